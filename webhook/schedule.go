package webhook

import (
	"context"
	"time"
)

// Run fires s on its timer — first after After, then every Every, Count
// times (0: until ctx ends) — calling fire each time and onErr with what
// fire returns. It returns when ctx ends or the count is reached.
func (s Schedule) Run(ctx context.Context, fire func(context.Context) error, onErr func(error)) {
	t := time.NewTimer(s.After)
	defer t.Stop()
	for n := 0; s.Count == 0 || n < s.Count; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := fire(ctx); err != nil && onErr != nil {
			onErr(err)
		}
		t.Reset(s.Every)
	}
}
