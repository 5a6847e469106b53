//go:build race

package model

// raceEnabled: under the race detector sync.Pool drops items at random.
const raceEnabled = true
