package config

import "strings"

// list is a repeatable flag whose default comes from a comma-separated
// environment variable; the first flag replaces that default (flag > env).
type list struct {
	values []string
	set    bool
}

func newList(env string) *list {
	l := &list{}
	for _, v := range strings.Split(env, ",") {
		if v = strings.TrimSpace(v); v != "" {
			l.values = append(l.values, v)
		}
	}
	return l
}

func (l *list) String() string { return strings.Join(l.values, ",") }

func (l *list) Set(v string) error {
	if !l.set {
		l.values, l.set = nil, true
	}
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			l.values = append(l.values, part)
		}
	}
	return nil
}
