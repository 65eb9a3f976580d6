package preflight

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// InputsKey is where the application template's s.yaml keeps what it was
// given: vars.inputs, a map from input name (an environment variable of
// config.Variables or a deployment-only input) to its value, filled in by
// `s init` or the console from publish.yaml's parameters.
const InputsKey = "inputs"

// varsRef is a value that is exactly one ${vars.a.b} reference.
var varsRef = regexp.MustCompile(`^\$\{vars\.([A-Za-z0-9_.-]+)\}$`)

// FromManifest reads the inputs of an application template's s.yaml (after
// `s init`): vars.inputs, each value a string or a ${vars.…} reference to
// one (the profile presets), resolved here as Serverless Devs would.
func FromManifest(data []byte) (Inputs, error) {
	var doc struct {
		Vars map[string]any `yaml:"vars"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("preflight: s.yaml: %w", err)
	}
	raw, ok := doc.Vars[InputsKey].(map[string]any)
	if !ok {
		return nil, errors.New("preflight: s.yaml has no vars." + InputsKey + " map (is it the application template's s.yaml?)")
	}
	in := Inputs{}
	for name, v := range raw {
		s, err := scalar(v)
		if err != nil {
			return nil, fmt.Errorf("preflight: vars.%s.%s: %w", InputsKey, name, err)
		}
		if m := varsRef.FindStringSubmatch(s); m != nil {
			var cur any = doc.Vars
			for _, key := range strings.Split(m[1], ".") {
				mm, ok := cur.(map[string]any)
				if !ok {
					cur = nil
					break
				}
				cur = mm[key]
			}
			if cur == nil {
				return nil, fmt.Errorf("preflight: vars.%s.%s: %s names nothing in vars", InputsKey, name, s)
			}
			if s, err = scalar(cur); err != nil {
				return nil, fmt.Errorf("preflight: vars.%s.%s → %s: %w", InputsKey, name, m[1], err)
			}
		}
		in[name] = s
	}
	return in, nil
}

func scalar(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case int, int64, float64, bool:
		return fmt.Sprint(v), nil
	}
	return "", fmt.Errorf("want a string, got %T", v)
}
