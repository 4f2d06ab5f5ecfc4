package httpx

import "testing"

func TestPolicyFirstMatchingRowDecides(t *testing.T) {
	status := func(s int) int { return s }
	p := Policy[int, string]{
		Rules: []Rule[int, string]{
			{Name: "success", Match: Status(status, 200, 299), Action: "done"},
			{Name: "rate limited", Match: Status(status, 429, 429), Action: "wait", MaxRetries: 3},
			{Name: "client error", Match: Status(status, 400, 499), Action: "reject"},
		},
		Otherwise: "fatal",
	}
	tests := []struct {
		status     int
		name, want string
		maxRetries int
	}{
		{200, "success", "done", 0},
		{299, "success", "done", 0},
		{429, "rate limited", "wait", 3},
		{404, "client error", "reject", 0},
		{500, Unmatched, "fatal", 0},
		{199, Unmatched, "fatal", 0},
	}
	for _, tt := range tests {
		got := p.Decide(tt.status)
		if got.Name != tt.name || got.Action != tt.want || got.MaxRetries != tt.maxRetries {
			t.Errorf("Decide(%d) = %q %q max %d, want %q %q max %d", tt.status, got.Name, got.Action, got.MaxRetries, tt.name, tt.want, tt.maxRetries)
		}
	}
}
