package oktatest

import (
	"fmt"
	"net/http"
	"time"
)

// groupRulesLimit follows "List all group rules" (GET /api/v1/groups/rules,
// operationId listGroupRules in okta-management-subset.yaml): limit
// defaults to 50, at least 1 and at most 200, and pages come with Link
// headers and an after cursor.
var groupRulesLimit = pageLimit{def: 50, min: 1, max: 200}

// GroupRuleID returns the ID of group rule i.
func (o *Org) GroupRuleID(i int) string { return makeID("0pr", o.cfg.Seed, kindGroupRule, i) }

// groupRuleJSON is a GroupRule (components.schemas.GroupRule in Okta's
// management spec): one expression condition assigning users to groups.
type groupRuleJSON struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Status      string `json:"status"`
	Name        string `json:"name"`
	Created     string `json:"created"`
	LastUpdated string `json:"lastUpdated"`
	Conditions  struct {
		People struct {
			Users struct {
				Exclude []string `json:"exclude"`
			} `json:"users"`
			Groups struct {
				Exclude []string `json:"exclude"`
			} `json:"groups"`
		} `json:"people"`
		Expression struct {
			Value string `json:"value"`
			Type  string `json:"type"`
		} `json:"expression"`
	} `json:"conditions"`
	Actions struct {
		AssignUserToGroups struct {
			GroupIDs []string `json:"groupIds"`
		} `json:"assignUserToGroups"`
	} `json:"actions"`
}

// groupRule renders rule i: users of one department go to one group
// (never Everyone, when the org has another group).
func (o *Org) groupRule(i int) groupRuleJSON {
	r := newRNG(o.cfg.Seed, kindGroupRule, i)
	dept := pick(r, departments)
	g := 0
	if o.cfg.Groups > 1 {
		g = 1 + i%(o.cfg.Groups-1)
	}
	created := o.now.Add(-60*day - time.Duration(r.intn(300*24*3600))*time.Second).Truncate(time.Millisecond)
	j := groupRuleJSON{Type: "group_rule", ID: o.GroupRuleID(i), Status: "ACTIVE",
		Name:    fmt.Sprintf("%s to group %d", dept, g),
		Created: ts(created), LastUpdated: ts(created.Add(time.Duration(r.float() * float64(o.now.Sub(created)))).Truncate(time.Millisecond))}
	if r.intn(6) == 0 {
		j.Status = "INACTIVE"
	}
	j.Conditions.People.Users.Exclude = []string{}
	j.Conditions.People.Groups.Exclude = []string{}
	if o.cfg.Users > 0 && r.intn(4) == 0 {
		j.Conditions.People.Users.Exclude = []string{o.UserID(r.intn(o.cfg.Users))}
	}
	j.Conditions.Expression.Type = "urn:okta:expression:1.0"
	j.Conditions.Expression.Value = fmt.Sprintf(`user.department=="%s"`, dept)
	j.Actions.AssignUserToGroups.GroupIDs = []string{o.GroupID(g)}
	return j
}

// handleGroupRules lists group rules in ID-cursor order.
func handleGroupRules(s *Server, w http.ResponseWriter, r *http.Request, _ []string, _ time.Time) {
	q := r.URL.Query()
	limit, ok := s.limitOrFail(w, q, groupRulesLimit)
	if !ok {
		return
	}
	start, ok := s.afterIndex(w, q, "0pr", kindGroupRule)
	if !ok {
		return
	}
	n := s.org.cfg.GroupRules
	end := min(n, start+limit)
	var items []groupRuleJSON
	for i := start; i < end; i++ {
		items = append(items, s.org.groupRule(i))
	}
	writeArray(w, r, items, lastID(items, func(g groupRuleJSON) string { return g.ID }), end < n)
}
