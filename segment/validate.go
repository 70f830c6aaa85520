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

func validate(m *Message) error {
	err := messageValidator.Struct(m)
	if err == nil {
		if m.Type == Alias && m.UserID == "" {
			return &Error{Field: "userId", Reason: "is required for an alias call"}
		}
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) || len(ves) == 0 {
		return &Error{Reason: err.Error()}
	}
	fe := ves[0]
	field := fe.Field()
	switch fe.Tag() {
	case "required":
		return &Error{Field: field, Reason: "is required"}
	case "required_without":
		return &Error{Field: "userId", Reason: "a message needs a userId or an anonymousId"}
	case "required_if":
		return &Error{Field: field, Reason: fmt.Sprintf("is required for a %s call", m.TypeName)}
	case "max":
		return &Error{Field: field, Reason: fmt.Sprintf("is longer than %s characters", fe.Param())}
	}
	return &Error{Field: field, Reason: fmt.Sprintf("fails the %q rule", fe.Tag())}
}

func asError[T error](err error, target *T) bool { return errors.As(err, target) }
