package customer

import "testing"

func TestNameSimilarity(t *testing.T) {
	person := func(family, given string) *Contact {
		return &Contact{ContactFields: ContactFields{FamilyName: family, GivenName: given, DisplayName: DeriveDisplayName(family, given)}}
	}
	tests := []struct {
		name    string
		a, b    *Contact
		similar bool
	}{
		{"same Chinese name", person("陳", "冠宇"), person("陳", "冠宇"), true},
		{"Traditional and Simplified", person("陳", "冠宇"), person("陈", "冠宇"), true},
		{"one character slipped", person("王", "丽"), person("王", "莉"), true},
		{"one of three slipped", person("陳", "冠宇"), person("陳", "冠羽"), true},
		{"another family name", person("王", "丽"), person("汪", "丽"), false},
		{"two characters differ", person("陳", "冠宇"), person("陳", "志明"), false},
		{"a longer name", person("王", "丽"), person("王", "丽華"), false},
		{"Jon and John", person("Smith", "Jon"), person("Smith", "John"), true},
		{"parts in another order", person("Lee", "Ann"), &Contact{ContactFields: ContactFields{DisplayName: "Lee Ann"}}, true},
		{"Ann and Dan", person("Lee", "Ann"), person("Lee", "Dan"), false},
		{"Chinese and Latin", person("王", "丽"), person("Wang", "Li"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NameSimilarity(tt.a, tt.b)
			if (got >= nameSimilarityThreshold) != tt.similar {
				t.Errorf("NameSimilarity = %.3f, similar want %v", got, tt.similar)
			}
		})
	}
}
