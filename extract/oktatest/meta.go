package oktatest

import (
	"fmt"
	"net/http"
	"time"
)

// The org's metadata streams: user types, the default user schema and the
// authenticators. None of these endpoints pages: "List all user types"
// and "List all authenticators" answer one array with every item, and
// "Retrieve the default user schema" one UserSchema object.

// UserTypeID returns the ID of user type i; type 0 is the default type every
// generated user has.
func (o *Org) UserTypeID(i int) string { return makeID("oty", o.cfg.Seed, kindUserType, i) }

// userTypeSchemaID is the ID of the schema user type i points at.
func (o *Org) userTypeSchemaID(i int) string { return makeID("osc", o.cfg.Seed, kindUserType, i) }

// userTypeNames are the extra user types' names, in order.
var userTypeNames = []string{"Contractor", "Partner", "ServiceAccount", "Intern", "Vendor", "Auditor", "Temp", "Alumni", "Board"}

// userTypeJSON is a UserType (components.schemas.UserType).
type userTypeJSON struct {
	ID            string `json:"id"`
	DisplayName   string `json:"displayName"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	CreatedBy     string `json:"createdBy"`
	LastUpdatedBy string `json:"lastUpdatedBy"`
	Created       string `json:"created"`
	LastUpdated   string `json:"lastUpdated"`
	Default       bool   `json:"default"`
	Links         struct {
		Self   href `json:"self"`
		Schema href `json:"schema"`
	} `json:"_links"`
}

func (o *Org) userType(i int, base string) userTypeJSON {
	r := newRNG(o.cfg.Seed, kindUserType, i)
	created := o.now.Add(-400*day - time.Duration(r.intn(100*24*3600))*time.Second).Truncate(time.Millisecond)
	j := userTypeJSON{ID: o.UserTypeID(i), Name: "user", DisplayName: "User", Description: "Okta user profile template with default permission settings",
		Default: i == 0, Created: ts(created), LastUpdated: ts(created.Add(time.Duration(r.intn(90*24*3600)) * time.Second))}
	if i > 0 {
		name := userTypeNames[(i-1)%len(userTypeNames)]
		if i > len(userTypeNames) {
			name = fmt.Sprintf("%s%d", name, i)
		}
		j.Name, j.DisplayName, j.Description = name, name, name+" accounts"
	}
	if o.cfg.Users > 0 {
		j.CreatedBy = o.UserID(0)
		j.LastUpdatedBy = o.UserID(0)
	}
	j.Links.Self.Href = base + "/api/v1/meta/types/user/" + j.ID
	j.Links.Schema.Href = base + "/api/v1/meta/schemas/user/" + o.userTypeSchemaID(i)
	return j
}

func handleUserTypes(s *Server, w http.ResponseWriter, r *http.Request, _ []string, _ time.Time) {
	items := make([]userTypeJSON, 0, 1+s.org.cfg.UserTypes)
	for i := 0; i <= s.org.cfg.UserTypes; i++ {
		items = append(items, s.org.userType(i, origin(r)))
	}
	writeArray(w, r, items, "", false)
}

// schemaAttr is a UserSchemaAttribute, the part of it the org uses.
type schemaAttr struct {
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	Type        string            `json:"type"`
	Items       map[string]string `json:"items,omitempty"`
	Required    bool              `json:"required,omitempty"`
	Mutability  string            `json:"mutability"`
	Scope       string            `json:"scope"`
	MinLength   *int              `json:"minLength,omitempty"`
	MaxLength   *int              `json:"maxLength,omitempty"`
	Enum        []string          `json:"enum,omitempty"`
	Unique      *bool             `json:"unique,omitempty"`
	Permissions []struct {
		Principal string `json:"principal"`
		Action    string `json:"action"`
	} `json:"permissions"`
	Master struct {
		Type string `json:"type"`
	} `json:"master"`
}

func attr(title, typ string, required bool) schemaAttr {
	a := schemaAttr{Title: title, Type: typ, Required: required, Mutability: "READ_WRITE", Scope: "NONE"}
	a.Permissions = append(a.Permissions, struct {
		Principal string `json:"principal"`
		Action    string `json:"action"`
	}{"SELF", "READ_WRITE"})
	a.Master.Type = "PROFILE_MASTER"
	return a
}

// baseAttrs are the #base attributes the generated users carry.
func baseAttrs() map[string]schemaAttr {
	one, hundred := 1, 100
	login := attr("Username", "string", true)
	unique := true
	login.MinLength, login.MaxLength, login.Unique = &one, &hundred, &unique
	out := map[string]schemaAttr{"login": login}
	for k, title := range map[string]string{"firstName": "First name", "lastName": "Last name", "email": "Primary email"} {
		a := attr(title, "string", true)
		a.MinLength, a.MaxLength = &one, &hundred
		out[k] = a
	}
	for k, title := range map[string]string{"title": "Title", "department": "Department", "employeeNumber": "Employee number",
		"city": "City", "countryCode": "Country code", "mobilePhone": "Mobile phone", "secondEmail": "Secondary email"} {
		out[k] = attr(title, "string", false)
	}
	return out
}

// customAttrs are the org's custom profile attributes: what the
// user_schema stream exists to report.
func customAttrs() map[string]schemaAttr {
	cost := attr("Cost center", "string", false)
	cost.Description = "Finance cost center"
	level := attr("Level", "string", false)
	level.Enum = []string{"L1", "L2", "L3", "L4", "L5"}
	skills := attr("Skills", "array", false)
	skills.Items = map[string]string{"type": "string"}
	badge := attr("Badge number", "integer", false)
	unique := true
	badge.Unique = &unique
	contractor := attr("Is contractor", "boolean", false)
	return map[string]schemaAttr{"costCenter": cost, "level": level, "skills": skills, "badgeNumber": badge, "isContractor": contractor}
}

// userSchemaJSON is a UserSchema (components.schemas.UserSchema).
type userSchemaJSON struct {
	ID          string `json:"id"`
	Schema      string `json:"$schema"`
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Created     string `json:"created"`
	LastUpdated string `json:"lastUpdated"`
	Definitions struct {
		Custom subschema `json:"custom"`
		Base   subschema `json:"base"`
	} `json:"definitions"`
	Type       string `json:"type"`
	Properties struct {
		Profile struct {
			AllOf []struct {
				Ref string `json:"$ref"`
			} `json:"allOf"`
		} `json:"profile"`
	} `json:"properties"`
	Links struct {
		Self href `json:"self"`
	} `json:"_links"`
}

type subschema struct {
	ID         string                `json:"id"`
	Type       string                `json:"type"`
	Properties map[string]schemaAttr `json:"properties"`
	Required   []string              `json:"required"`
}

func (o *Org) userSchema(base string) userSchemaJSON {
	r := newRNG(o.cfg.Seed, kindUserType, -1)
	created := o.now.Add(-500*day - time.Duration(r.intn(100*24*3600))*time.Second).Truncate(time.Millisecond)
	j := userSchemaJSON{ID: base + "/meta/schemas/user/default", Schema: "http://json-schema.org/draft-04/schema#",
		Name: "user", Title: "User", Description: "Okta user profile template with default permission settings",
		Created: ts(created), LastUpdated: ts(created.Add(time.Duration(r.intn(300*24*3600)) * time.Second)), Type: "object"}
	j.Definitions.Custom = subschema{ID: "#custom", Type: "object", Properties: customAttrs(), Required: []string{}}
	j.Definitions.Base = subschema{ID: "#base", Type: "object", Properties: baseAttrs(), Required: []string{"login", "firstName", "lastName", "email"}}
	for _, ref := range []string{"#/definitions/custom", "#/definitions/base"} {
		j.Properties.Profile.AllOf = append(j.Properties.Profile.AllOf, struct {
			Ref string `json:"$ref"`
		}{ref})
	}
	j.Links.Self.Href = base + "/api/v1/meta/schemas/user/" + o.userTypeSchemaID(0)
	return j
}

func handleUserSchema(s *Server, w http.ResponseWriter, r *http.Request, _ []string, _ time.Time) {
	writeJSON(w, s.org.userSchema(origin(r)))
}

// authenticatorKeys are the authenticators of an Identity Engine org with
// the usual set enabled: key, type and name as "List all authenticators"
// shows them (AuthenticatorKeyEnum, AuthenticatorType).
var authenticatorKeys = []struct{ key, typ, name, status string }{
	{"okta_email", "email", "Email", "ACTIVE"},
	{"okta_password", "password", "Password", "ACTIVE"},
	{"okta_verify", "app", "Okta Verify", "ACTIVE"},
	{"phone_number", "phone", "Phone", "INACTIVE"},
	{"security_question", "security_question", "Security Question", "INACTIVE"},
	{"webauthn", "security_key", "Security Key or Biometric", "ACTIVE"},
}

// AuthenticatorID returns the ID of authenticator i.
func (o *Org) AuthenticatorID(i int) string { return makeID("aut", o.cfg.Seed, kindAuthenticator, i) }

// authenticatorJSON is an AuthenticatorBase with the settings of its key.
type authenticatorJSON struct {
	Type        string         `json:"type"`
	ID          string         `json:"id"`
	Key         string         `json:"key"`
	Status      string         `json:"status"`
	Name        string         `json:"name"`
	Created     string         `json:"created"`
	LastUpdated string         `json:"lastUpdated"`
	Settings    map[string]any `json:"settings,omitempty"`
	Links       struct {
		Self       href  `json:"self"`
		Methods    *href `json:"methods,omitempty"`
		Activate   *href `json:"activate,omitempty"`
		Deactivate *href `json:"deactivate,omitempty"`
	} `json:"_links"`
}

func (o *Org) authenticator(i int, base string) authenticatorJSON {
	a := authenticatorKeys[i]
	r := newRNG(o.cfg.Seed, kindAuthenticator, i)
	created := o.now.Add(-400*day - time.Duration(r.intn(100*24*3600))*time.Second).Truncate(time.Millisecond)
	j := authenticatorJSON{Type: a.typ, ID: o.AuthenticatorID(i), Key: a.key, Status: a.status, Name: a.name,
		Created: ts(created), LastUpdated: ts(created.Add(time.Duration(r.intn(300*24*3600)) * time.Second))}
	switch a.key {
	case "okta_email":
		j.Settings = map[string]any{"allowedFor": "any", "tokenLifetimeInMinutes": 5}
	case "phone_number", "security_question":
		j.Settings = map[string]any{"allowedFor": "none"}
	}
	self := base + "/api/v1/authenticators/" + j.ID
	j.Links.Self.Href = self
	j.Links.Methods = &href{self + "/methods"}
	if a.status == "ACTIVE" {
		j.Links.Deactivate = &href{self + "/lifecycle/deactivate"}
	} else {
		j.Links.Activate = &href{self + "/lifecycle/activate"}
	}
	return j
}

func handleAuthenticators(s *Server, w http.ResponseWriter, r *http.Request, _ []string, _ time.Time) {
	items := make([]authenticatorJSON, 0, len(authenticatorKeys))
	for i := range authenticatorKeys {
		items = append(items, s.org.authenticator(i, origin(r)))
	}
	writeArray(w, r, items, "", false)
}
