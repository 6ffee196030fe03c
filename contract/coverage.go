package contract

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/mockd/mockd/validator"
)

// maxUndocumented bounds the distinct undocumented endpoints and statuses a
// coverage matrix keeps (more are counted in UndocumentedDropped).
const maxUndocumented = 1000

// Coverage is the operation × status × media type matrix of what the
// traffic exercised against what the spec declares.
type Coverage struct {
	Operations []*OperationCoverage `json:"operations"`
	// OperationsTotal and OperationsSeen count operations; Percent is
	// 100 × seen / total (100 for a spec without operations).
	OperationsTotal int     `json:"operationsTotal"`
	OperationsSeen  int     `json:"operationsSeen"`
	Percent         float64 `json:"percent"`
	// StatusesTotal and StatusesSeen count declared statuses other than
	// "default".
	StatusesTotal int `json:"statusesTotal"`
	StatusesSeen  int `json:"statusesSeen"`
	// Undocumented lists requests to paths or methods the spec lacks.
	Undocumented []*UndocumentedEndpoint `json:"undocumented"`
	// UndocumentedStatuses lists statuses an operation answered but does
	// not declare (no exact, range or default response).
	UndocumentedStatuses []*UndocumentedStatus `json:"undocumentedStatuses"`
	// UndocumentedDropped counts entries left out past the bound.
	UndocumentedDropped int `json:"undocumentedDropped,omitempty"`

	byOp        map[*validator.Operation]*OperationCoverage
	undocByKey  map[string]*UndocumentedEndpoint
	statusByKey map[string]*UndocumentedStatus
}

// OperationCoverage is one operation's row group.
type OperationCoverage struct {
	OperationID string              `json:"operationId"`
	Method      string              `json:"method"`
	Path        string              `json:"path"`
	Count       int                 `json:"count"`
	Responses   []*ResponseCoverage `json:"responses"`
}

// ResponseCoverage is one status × media type cell.
type ResponseCoverage struct {
	Status    string `json:"status"`              // declared key: "200", "2XX", "default"
	MediaType string `json:"mediaType,omitempty"` // "" for a response without content
	Declared  bool   `json:"declared"`            // false for a media type seen but not declared
	Count     int    `json:"count"`
}

// UndocumentedEndpoint is a method and (normalised) path not in the spec.
type UndocumentedEndpoint struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Count  int    `json:"count"`
}

// UndocumentedStatus is a status an operation answered without declaring it.
type UndocumentedStatus struct {
	OperationID string `json:"operationId"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Status      int    `json:"status"`
	Count       int    `json:"count"`
}

// NewCoverage returns an empty matrix of everything spec declares.
func NewCoverage(spec *validator.Spec) *Coverage {
	cv := &Coverage{
		byOp:        map[*validator.Operation]*OperationCoverage{},
		undocByKey:  map[string]*UndocumentedEndpoint{},
		statusByKey: map[string]*UndocumentedStatus{},
	}
	for _, op := range spec.Operations {
		oc := &OperationCoverage{OperationID: op.ID, Method: op.Method, Path: op.Path}
		for _, key := range op.Statuses() {
			resp := op.Response(key)
			if resp == nil || resp.Content == nil || resp.Content.Len() == 0 {
				oc.Responses = append(oc.Responses, &ResponseCoverage{Status: key, Declared: true})
				continue
			}
			for mt := range resp.Content.KeysFromOldest() {
				oc.Responses = append(oc.Responses, &ResponseCoverage{Status: key, MediaType: mt, Declared: true})
			}
		}
		cv.byOp[op] = oc
		cv.Operations = append(cv.Operations, oc)
	}
	cv.summarise()
	return cv
}

// Add counts one checked interaction.
func (cv *Coverage) Add(o *Outcome) {
	if o.Ignored {
		return
	}
	if o.Operation == nil {
		if o.Undocumented == "" {
			return
		}
		if e, ok := cv.undocByKey[o.Undocumented]; ok {
			e.Count++
			return
		}
		if len(cv.undocByKey) >= maxUndocumented {
			cv.UndocumentedDropped++
			return
		}
		method, path := splitEndpoint(o.Undocumented)
		e := &UndocumentedEndpoint{Method: method, Path: path, Count: 1}
		cv.undocByKey[o.Undocumented] = e
		cv.Undocumented = append(cv.Undocumented, e)
		return
	}
	oc := cv.byOp[o.Operation]
	if oc == nil {
		return
	}
	oc.Count++
	if o.Status == 0 {
		return // request only: no response was seen
	}
	if o.StatusKey == "" {
		key := o.Operation.ID + " " + strconv.Itoa(o.Status)
		if s, ok := cv.statusByKey[key]; ok {
			s.Count++
			return
		}
		if len(cv.statusByKey) >= maxUndocumented {
			cv.UndocumentedDropped++
			return
		}
		s := &UndocumentedStatus{OperationID: o.Operation.ID, Method: o.Operation.Method, Path: o.Operation.Path, Status: o.Status, Count: 1}
		cv.statusByKey[key] = s
		cv.UndocumentedStatuses = append(cv.UndocumentedStatuses, s)
		return
	}
	for _, r := range oc.Responses {
		if r.Status == o.StatusKey && r.MediaType == o.MediaType {
			r.Count++
			return
		}
	}
	// A declared status with no content declared but a body sent, or an
	// undeclared media type: count it in the status's first cell when the
	// type is empty, else in an extra undeclared cell.
	if o.MediaType == "" {
		for _, r := range oc.Responses {
			if r.Status == o.StatusKey {
				r.Count++
				return
			}
		}
	}
	oc.Responses = append(oc.Responses, &ResponseCoverage{Status: o.StatusKey, MediaType: o.MediaType, Count: 1})
}

func splitEndpoint(s string) (string, string) {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// summarise fills the totals and sorts the undocumented lists.
func (cv *Coverage) summarise() {
	cv.OperationsTotal, cv.OperationsSeen, cv.StatusesTotal, cv.StatusesSeen = len(cv.Operations), 0, 0, 0
	for _, oc := range cv.Operations {
		if oc.Count > 0 {
			cv.OperationsSeen++
		}
		seen := map[string]bool{}
		declared := map[string]bool{}
		for _, r := range oc.Responses {
			if r.Status == "default" || !r.Declared {
				continue
			}
			declared[r.Status] = true
			if r.Count > 0 {
				seen[r.Status] = true
			}
		}
		cv.StatusesTotal += len(declared)
		cv.StatusesSeen += len(seen)
	}
	cv.Percent = 100
	if cv.OperationsTotal > 0 {
		cv.Percent = float64(cv.OperationsSeen) * 100 / float64(cv.OperationsTotal)
	}
	sort.SliceStable(cv.Undocumented, func(i, j int) bool {
		if cv.Undocumented[i].Path != cv.Undocumented[j].Path {
			return cv.Undocumented[i].Path < cv.Undocumented[j].Path
		}
		return cv.Undocumented[i].Method < cv.Undocumented[j].Method
	})
	sort.SliceStable(cv.UndocumentedStatuses, func(i, j int) bool {
		a, b := cv.UndocumentedStatuses[i], cv.UndocumentedStatuses[j]
		if a.OperationID != b.OperationID {
			return a.OperationID < b.OperationID
		}
		return a.Status < b.Status
	})
}

// MissingStatuses lists the declared statuses (other than "default") that
// no interaction exercised, as "operationId status".
func (cv *Coverage) MissingStatuses() []string {
	var out []string
	for _, oc := range cv.Operations {
		seen := map[string]bool{}
		var order []string
		for _, r := range oc.Responses {
			if r.Status == "default" || !r.Declared {
				continue
			}
			if _, ok := seen[r.Status]; !ok {
				order = append(order, r.Status)
				seen[r.Status] = false
			}
			if r.Count > 0 {
				seen[r.Status] = true
			}
		}
		for _, s := range order {
			if !seen[s] {
				out = append(out, fmt.Sprintf("%s %s", oc.OperationID, s))
			}
		}
	}
	return out
}
