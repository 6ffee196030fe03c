// Package repotest holds no product code: its tests check the repository's
// files as a user receives them: LICENSE is the Apache License 2.0, NOTICE
// names every bundled third-party file (fixtures and test data) with its
// licence, and no committed file carries development notes (to-do marks,
// references to the private issue tracker, notes about who wrote what).
package repotest
