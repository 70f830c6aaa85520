package segment

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"
)

// messageValidator checks the Spec's required fields (G-7). It is built
// once: validator caches each struct's rules, so a message costs a walk over
// a handful of string fields, not a reflection of the whole type.
var messageValidator = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	return v
}()

// limited is what the max= rules of Message's validate tags limit: the
// fields, and the smallest limit among them, read once. A string of at most
// that many bytes has at most that many characters, so a message whose
// limited fields are all that short passes every max rule, and the webhook
// needs no walk through validator to see it. (shortest is -1 when a tag
// holds a rule the shortcut does not understand: validator always runs.)
var limited = func() (l struct {
	fields   []int
	shortest int
}) {
	l.shortest = -1
	t := reflect.TypeFor[Message]()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		for _, rule := range strings.Split(f.Tag.Get("validate"), ",") {
			if rule == "" {
				continue
			}
			n, err := strconv.Atoi(strings.TrimPrefix(rule, "max="))
			if !strings.HasPrefix(rule, "max=") || err != nil || f.Type.Kind() != reflect.String {
				l.shortest = -1
				return l
			}
			l.fields = append(l.fields, i)
			if l.shortest < 0 || n < l.shortest {
				l.shortest = n
			}
		}
	}
	return l
}()

// withinShortestLimit reports whether every limited field is within the
// shortest limit in bytes.
func withinShortestLimit(m *Message) bool {
	if limited.shortest < 0 {
		return false
	}
	v := reflect.ValueOf(m).Elem()
	for _, i := range limited.fields {
		if v.Field(i).Len() > limited.shortest {
			return false
		}
	}
	return true
}

// validate checks G-7. Which ids a call needs depends on its type, so those
// rules are plain code; validator/v10 checks the per-field limits.
// (validator's cross-field rules, required_if and required_without, box
// every compared field through reflection: on the webhook path they cost
// more than the rest of validation together.)
func validate(m *Message) error {
	switch {
	case m.TypeName == "":
		return &Error{Field: "type", Reason: "is required"}
	case m.Type == Alias && m.UserID == "":
		return &Error{Field: "userId", Reason: "is required for an alias call"}
	case m.UserID == "" && m.AnonymousID == "":
		return &Error{Field: "userId", Reason: "a message needs a userId or an anonymousId"}
	case m.Type == Track && m.Event == "":
		return &Error{Field: "event", Reason: "is required for a track call"}
	case m.Type == Group && m.GroupID == "":
		return &Error{Field: "groupId", Reason: "is required for a group call"}
	case m.Type == Alias && m.PreviousID == "":
		return &Error{Field: "previousId", Reason: "is required for an alias call"}
	}
	if withinShortestLimit(m) {
		return nil // no field can break its limit: skip validator's reflection
	}
	err := messageValidator.Struct(m)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) || len(ves) == 0 {
		return &Error{Reason: err.Error()}
	}
	fe := ves[0]
	if fe.Tag() == "max" {
		return &Error{Field: fe.Field(), Reason: fmt.Sprintf("is longer than %s characters", fe.Param())}
	}
	return &Error{Field: fe.Field(), Reason: fmt.Sprintf("fails the %q rule", fe.Tag())}
}

// asError is errors.As with the target's type inferred.
func asError[T error](err error, target *T) bool { return errors.As(err, target) }
