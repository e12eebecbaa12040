//go:build tools

// Package tools pins the two binaries the test suite builds: influxd and the
// pkg-config wrapper that compiles libflux with cargo.
package tools

import (
	_ "github.com/influxdata/influxdb/v2/cmd/influxd"
	_ "github.com/influxdata/pkg-config"
)
