package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"testing"
)

// Every answer writeJSON gives, filled with awkward values, must come out
// byte for byte as encoding/json (HTML escaping off) writes it: the
// answers that write their own JSON (jsonAnswer) may not drop, rename or
// reorder a field, and the others keep going through encoding/json. A
// field added to a struct without its appendJSON fails here.
func TestAnswersEncodeLikeEncodingJSON(t *testing.T) {
	t.Parallel()
	answers := []any{
		postResponse{}, presignResponse{}, stsResponse{}, errorBody{},
		seedPostResponse{}, seedSTSResponse{}, callbackResponse{}, confirmResponse{},
		describeResponse{}, createResponse{}, signResponse{}, listResponse{}, completedAnswer{},
	}
	r := rand.New(rand.NewPCG(7, 9))
	for _, a := range answers {
		for round := range 50 {
			for _, ptr := range []bool{false, true} {
				v := reflect.New(reflect.TypeOf(a))
				fill(r, v.Elem(), round == 0)
				answer := v.Elem().Interface()
				if ptr {
					answer = v.Interface()
				}
				var want bytes.Buffer
				enc := json.NewEncoder(&want)
				enc.SetEscapeHTML(false)
				if err := enc.Encode(answer); err != nil {
					t.Fatal(err)
				}
				w := httptest.NewRecorder()
				writeJSON(w, 200, answer)
				if got := w.Body.String(); got != want.String() {
					t.Fatalf("%T (pointer %v):\n got %s\nwant %s", a, ptr, got, want.String())
				}
				if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
					t.Fatalf("%T: Content-Type %q", a, ct)
				}
			}
		}
	}
}

var awkward = []string{"", "a", "<&>", "\"\\", "\n\t\b\f\x01", "猫", "\u2028", "\xff", "uploads/u1/2026/12/x.png"}

// fill sets every exported field of v to a random value; zero leaves
// the zero values (omitempty) in place.
func fill(r *rand.Rand, v reflect.Value, zero bool) {
	if zero {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(awkward[r.IntN(len(awkward))] + awkward[r.IntN(len(awkward))])
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(r.Int64N(1<<40) - 1<<39)
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Map:
		if r.IntN(4) == 0 {
			return // nil
		}
		m := reflect.MakeMap(v.Type())
		for range r.IntN(4) {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(r, k, false)
			fill(r, e, false)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Slice:
		if r.IntN(4) == 0 {
			return
		}
		s := reflect.MakeSlice(v.Type(), r.IntN(3), 3)
		for i := range s.Len() {
			fill(r, s.Index(i), false)
		}
		v.Set(s)
	case reflect.Pointer:
		if r.IntN(3) == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem(), false)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() || v.Type().Field(i).Anonymous {
				fill(r, v.Field(i), false)
			}
		}
	}
}
