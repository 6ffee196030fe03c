package repotest

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// root is the repository, seen from this package's directory.
const root = "../.."

// skipDir reports folders that hold no committed files: version control,
// build output, caches.
func skipDir(name string) bool {
	return name == ".git" || name == "bin" || name == ".cache" || name == "node_modules"
}

// files lists the regular files under dir (relative to root, with /).
func files(dir string) []string {
	GinkgoHelper()
	var out []string
	Expect(filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})).To(Succeed())
	return out
}

// bundled lists the files that may come from elsewhere: fixtures, examples
// and every testdata folder.
func bundled() []string {
	GinkgoHelper()
	var out []string
	for _, f := range files(".") {
		if strings.HasPrefix(f, "fixtures/") || strings.HasPrefix(f, "examples/") || strings.Contains("/"+f, "/testdata/") {
			out = append(out, f)
		}
	}
	return out
}

// licenceMark finds a copyright or licence statement (a file header, a
// spec's info.license).
var licenceMark = regexp.MustCompile(`(?i)copyright|©|\blicen[cs]e\b["']?\s*:|the mit license|apache license`)

// sourcesRow is a table row of a SOURCES.md; its first cell names files.
var sourcesRow = regexp.MustCompile("^\\|\\s*(`[^|]+)\\|")

// thirdParty lists the bundled files that are not mockd's own: the files a
// SOURCES.md names in its first column (unless the row says mockd wrote
// it), and the files that carry a copyright or licence statement.
func thirdParty() map[string]string {
	GinkgoHelper()
	out := map[string]string{}
	for _, f := range bundled() {
		data, err := os.ReadFile(filepath.Join(root, f))
		Expect(err).NotTo(HaveOccurred())
		if filepath.Base(f) == "SOURCES.md" {
			sc := bufio.NewScanner(bytes.NewReader(data))
			for sc.Scan() {
				m := sourcesRow.FindStringSubmatch(sc.Text())
				if m == nil || strings.Contains(sc.Text(), "written by hand for mockd") {
					continue
				}
				for _, name := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(m[1], -1) {
					path := filepath.ToSlash(filepath.Join(filepath.Dir(f), name[1]))
					if _, err := os.Stat(filepath.Join(root, path)); err == nil {
						out[path] = f + " names it"
					}
				}
			}
			continue
		}
		head := data[:min(len(data), 8<<10)]
		if licenceMark.Match(head) {
			out[f] = "it states a copyright or licence"
		}
	}
	return out
}

// noticePath is a NOTICE line that names a file: indented, with a slash.
var noticePath = regexp.MustCompile(`^\s+([\w.-]+(?:/[\w.-]+)+)`)

var _ = Describe("LICENSE and NOTICE", func() {
	It("license the project under Apache-2.0", func() {
		license, err := os.ReadFile(filepath.Join(root, "LICENSE"))
		Expect(err).NotTo(HaveOccurred(), "the repository needs a LICENSE")
		Expect(string(license)).To(ContainSubstring("Apache License\n                           Version 2.0, January 2004"))
		Expect(string(license)).To(ContainSubstring("END OF TERMS AND CONDITIONS"))
		notice, err := os.ReadFile(filepath.Join(root, "NOTICE"))
		Expect(err).NotTo(HaveOccurred(), "the repository needs a NOTICE")
		Expect(string(notice)).To(HavePrefix("mockd\nCopyright "))
	})

	It("NOTICE names every bundled third-party file, and only files that exist", func() {
		notice, err := os.ReadFile(filepath.Join(root, "NOTICE"))
		Expect(err).NotTo(HaveOccurred())
		listed := map[string]bool{}
		for _, line := range strings.Split(string(notice), "\n") {
			if m := noticePath.FindStringSubmatch(line); m != nil {
				listed[m[1]] = true
				_, err := os.Stat(filepath.Join(root, m[1]))
				Expect(err).NotTo(HaveOccurred(), "NOTICE names %s, which is not in the repository", m[1])
			}
		}
		tp := thirdParty()
		Expect(tp).To(HaveKey("fixtures/cassettes/go-vcr-v1-etcd.yaml"), "the detection finds the go-vcr cassettes")
		var missing []string
		for f, why := range tp {
			if !listed[f] {
				missing = append(missing, f+" ("+why+")")
			}
		}
		Expect(missing).To(BeEmpty(), "add these files to NOTICE with their origin and licence")
	})
})

// devNote finds notes written for the people building mockd rather than for
// its users. The words are split so that this file does not match itself.
var devNote = regexp.MustCompile(`\b(?:` + strings.Join([]string{
	"TO" + "DO", "FIX" + "ME", "X" + "XX",
	`(?i:the le` + `ad(?:'s)?)`,
	`(?i:the module proxy he` + `re)`,
	`(?i:the bri` + `ef)\b`,
	`(?i:helper'?s? (?:report|task|branch|session))`,
	`[Ii]ssue #?\d+`,
}, "|") + `)\b`)

var _ = Describe("committed files", func() {
	It("carry no development notes", func() {
		var found []string
		for _, f := range files(".") {
			data, err := os.ReadFile(filepath.Join(root, f))
			Expect(err).NotTo(HaveOccurred())
			if bytes.IndexByte(data[:min(len(data), 8<<10)], 0) >= 0 {
				continue // binary
			}
			for i, line := range strings.Split(string(data), "\n") {
				if m := devNote.FindString(line); m != "" {
					found = append(found, f+":"+strconv.Itoa(i+1)+": "+m)
				}
			}
		}
		Expect(found).To(BeEmpty(), "rewrite these for a user (or drop them)")
	})
})
