package fault

import "math/rand/v2"

// mix hashes (seed, rule, key, ordinal) with FNV-1a and a final avalanche.
func mix(seed uint64, rule, key string, ord uint64) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for i := 0; i < 8; i++ {
		h = (h ^ (seed >> (8 * i) & 0xff)) * prime
	}
	for i := 0; i < len(rule); i++ {
		h = (h ^ uint64(rule[i])) * prime
	}
	h = (h ^ 0xff) * prime
	for i := 0; i < len(key); i++ {
		h = (h ^ uint64(key[i])) * prime
	}
	h = (h ^ 0xfe) * prime
	for i := 0; i < 8; i++ {
		h = (h ^ (ord >> (8 * i) & 0xff)) * prime
	}
	return splitmix(h)
}

// splitmix is the SplitMix64 finaliser: it spreads every input bit over the output.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// pcg returns the PCG for a decision stream; purpose separates independent
// draws (selection, latency, garbage) of the same decision.
func pcg(stream, purpose uint64) *rand.PCG {
	return rand.NewPCG(stream, splitmix(stream^(purpose+1)*0x9e3779b97f4a7c15))
}
