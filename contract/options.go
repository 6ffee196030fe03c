package contract

// OptionNames maps options by their Go name ("CheckConfig.Server",
// "Thresholds.MinCoverage") to what the caller calls them, for error
// messages, finding hints and gate failures: a command line maps them to
// its flags ("--server"). An option it leaves out is called by its Go name.
type OptionNames map[string]string

// The options named in messages: the keys of OptionNames.
const (
	OptionServer        = "CheckConfig.Server"
	OptionStrictServers = "CheckConfig.StrictServers"
	OptionIgnorePaths   = "CheckConfig.IgnorePaths"
	OptionMinCoverage   = "Thresholds.MinCoverage"
	OptionRequireStatus = "Thresholds.RequireStatus"
)

// name returns the caller's name of option.
func (n OptionNames) name(option string) string {
	if s, ok := n[option]; ok && s != "" {
		return s
	}
	return option
}
