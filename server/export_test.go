package server

import "time"

// SetMaxWait shortens the long-poll's cap, so that a test sees it answered
// without waiting five minutes.
func SetMaxWait(s *Server, d time.Duration) { s.maxWait = d }
