package segment

import (
	"errors"
	"fmt"
	"reflect"
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
