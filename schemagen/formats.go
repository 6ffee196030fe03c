package schemagen

// This file checks the string formats JSON Schema validators assert
// (date-time, date, time, duration, uuid, ipv4, hostname, email).

import (
	"encoding/base64"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// formatOK checks the formats JSON Schema validators assert (the others are annotations and always pass).
func formatOK(format, s string) bool {
	switch format {
	case "date":
		_, err := time.Parse("2006-01-02", s)
		return err == nil
	case "date-time":
		return len(s) >= 20 && (s[10] == 'T' || s[10] == 't') && formatOK("date", s[:10]) && timeOK(s[11:])
	case "time":
		return timeOK(s)
	case "duration":
		return durationOK(s)
	case "uuid":
		return uuidOK(s)
	case "email":
		return emailOK(s)
	case "hostname":
		return hostnameOK(s)
	case "ipv4":
		return ipv4OK(s)
	case "ipv6":
		if !strings.Contains(s, ":") {
			return false
		}
		a, err := netip.ParseAddr(s)
		return err == nil && a.Zone() == "" && a.Is6()
	case "uri", "iri", "url":
		u, err := url.Parse(s)
		return err == nil && u.IsAbs() && !strings.Contains(u.Hostname(), ":")
	case "uri-reference", "iri-reference":
		_, err := url.Parse(s)
		return err == nil && !strings.Contains(s, `\`)
	case "byte":
		_, err := base64.StdEncoding.DecodeString(s)
		return err == nil
	}
	return true
}

func timeOK(s string) bool {
	if len(s) < 9 || s[2] != ':' || s[5] != ':' {
		return false
	}
	h, e1 := strconv.Atoi(s[0:2])
	m, e2 := strconv.Atoi(s[3:5])
	sec, e3 := strconv.Atoi(s[6:8])
	if e1 != nil || e2 != nil || e3 != nil || h < 0 || m < 0 || sec < 0 || h > 23 || m > 59 || sec > 59 {
		return false
	}
	rest := s[8:]
	if r, ok := strings.CutPrefix(rest, "."); ok {
		d := 0
		for d < len(r) && r[d] >= '0' && r[d] <= '9' {
			d++
		}
		if d == 0 {
			return false
		}
		rest = r[d:]
	}
	if rest == "Z" || rest == "z" {
		return true
	}
	if len(rest) != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' {
		return false
	}
	zh, e4 := strconv.Atoi(rest[1:3])
	zm, e5 := strconv.Atoi(rest[4:6])
	return e4 == nil && e5 == nil && zh >= 0 && zm >= 0 && zh <= 23 && zm <= 59
}

func durationOK(s string) bool {
	s, ok := strings.CutPrefix(s, "P")
	if !ok || s == "" {
		return false
	}
	if w, ok := strings.CutSuffix(s, "W"); ok {
		if w == "" {
			return false
		}
		for _, c := range w {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	unitSets := []string{"YMD", "HMS"}
	for i, seg := range strings.Split(s, "T") {
		if i >= len(unitSets) || (i != 0 && seg == "") {
			return false
		}
		units := unitSets[i]
		for seg != "" {
			d := 0
			for d < len(seg) && seg[d] >= '0' && seg[d] <= '9' {
				d++
			}
			if d == 0 || d == len(seg) {
				return false
			}
			j := strings.IndexByte(units, seg[d])
			if j < 0 {
				return false
			}
			units = units[j+1:]
			seg = seg[d+1:]
		}
	}
	return true
}

func uuidOK(s string) bool {
	groups := strings.Split(s, "-")
	want := []int{8, 4, 4, 4, 12}
	if len(groups) != len(want) {
		return false
	}
	for i, gr := range groups {
		if len(gr) != want[i] {
			return false
		}
		for _, c := range gr {
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

func ipv4OK(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || (len(p) > 1 && p[0] == '0') {
			return false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 || strings.ContainsAny(p, "+-") {
			return false
		}
	}
	return true
}

func hostnameOK(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if len(label) < 1 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func emailOK(s string) bool {
	if len(s) > 254 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	for _, c := range local {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", c)) {
			return false
		}
	}
	return hostnameOK(domain)
}
