package oktatest

import (
	"fmt"
	"strings"
	"time"
)

const day = 24 * time.Hour

var (
	firstNames = []string{"Ada", "Alan", "Barbara", "Claude", "Dorothy", "Edsger", "Frances", "Grace", "Hedy", "Ivan",
		"Joan", "Ken", "Leslie", "Margaret", "Niklaus", "Radia", "Shafi", "Tim", "Whitfield", "Yukihiro"}
	lastNames = []string{"Lovelace", "Turing", "Liskov", "Shannon", "Vaughan", "Dijkstra", "Allen", "Hopper", "Lamarr",
		"Sutherland", "Clarke", "Thompson", "Lamport", "Hamilton", "Wirth", "Perlman", "Goldwasser", "Berners-Lee", "Diffie", "Matsumoto"}
	departments = []string{"Engineering", "Sales", "Marketing", "Finance", "Legal", "Support", "Operations", "People", "Security", "Product"}
	titles      = []string{"Engineer", "Senior Engineer", "Manager", "Director", "Analyst", "Specialist", "Associate", "Lead"}
	cities      = []string{"San Francisco", "New York", "London", "Berlin", "Tel Aviv", "Toronto", "Sydney", "Paris"}
	countries   = []string{"US", "US", "GB", "DE", "IL", "CA", "AU", "FR"}
)

// user is one user as served; generated from its index, then edited.
type user struct {
	idx                                                                        int
	id, status                                                                 string
	created, activated, statusChanged, lastLogin, lastUpdated, passwordChanged time.Time
	first, last, login, email, department, title, employeeNumber, city         string
	countryCode                                                                string
}

// user returns user i with edits applied; ok is false past the last user.
func (o *Org) user(i int) (user, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.userLocked(i)
}

// userLocked is user for callers holding mu. Deleted users do not exist.
func (o *Org) userLocked(i int) (user, bool) {
	if i < 0 || o.deletedUsers[i] {
		return user{}, false
	}
	if i >= o.cfg.Users {
		j := i - o.cfg.Users
		if j >= len(o.addedUsers) {
			return user{}, false
		}
		return o.addedUsers[j], true
	}
	u := o.generateUser(i)
	if e, ok := o.userEdits[i]; ok {
		applyUserChange(&u, e.change, e.lastUpdated)
	}
	return u, true
}

func applyUserChange(u *user, ch UserChange, at time.Time) {
	if ch.Status != "" && ch.Status != u.status {
		u.status = ch.Status
		u.statusChanged = at
	}
	if ch.FirstName != "" {
		u.first = ch.FirstName
	}
	if ch.LastName != "" {
		u.last = ch.LastName
	}
	if ch.Department != "" {
		u.department = ch.Department
	}
	u.lastUpdated = at
}

func (o *Org) isAdmin(i int) bool {
	return o.adminStep > 0 && i < o.cfg.Users && i%o.adminStep == 0 && i/o.adminStep < o.cfg.Admins
}

// generateUser draws every field of user i in a fixed order, so adding a
// field at the end never changes the ones before it.
func (o *Org) generateUser(i int) user {
	r := newRNG(o.cfg.Seed, kindUser, i)
	u := user{idx: i, id: o.UserID(i)}
	u.created = o.now.Add(-30*day - time.Duration(r.intn(3*365*24*3600))*time.Second)
	u.first = pick(r, firstNames)
	u.last = pick(r, lastNames)
	u.login = fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(u.first), strings.ToLower(strings.ReplaceAll(u.last, "-", "")), i)
	u.email = u.login
	k := r.intn(len(departments))
	u.department = departments[k]
	u.title = pick(r, titles)
	c := r.intn(len(cities))
	u.city, u.countryCode = cities[c], countries[c]
	u.employeeNumber = fmt.Sprintf("%06d", 100000+i)

	sr := r.float()
	switch {
	case o.isAdmin(i):
		u.status = "ACTIVE"
	case sr < o.cfg.DeprovisionedFraction:
		u.status = "DEPROVISIONED"
	default:
		u.status = liveStatus((sr - o.cfg.DeprovisionedFraction) / (1 - o.cfg.DeprovisionedFraction))
	}
	age := o.now.Sub(u.created)
	updWindow := min(age, 180*day)
	u.lastUpdated = o.now.Add(-time.Duration(r.float() * float64(updWindow))).Truncate(time.Millisecond)
	activationDelay := time.Duration(r.intn(3600)) * time.Second
	loginAgo := time.Duration(r.float() * float64(min(age, 30*day)))
	if u.status != "STAGED" {
		u.activated = u.created.Add(activationDelay)
		if u.activated.After(u.lastUpdated) {
			u.activated = u.lastUpdated
		}
	}
	switch u.status {
	case "ACTIVE":
		u.statusChanged = u.activated
	case "STAGED":
	default:
		u.statusChanged = u.lastUpdated
	}
	if u.status != "STAGED" && u.status != "PROVISIONED" {
		u.passwordChanged = u.activated
		if u.status != "DEPROVISIONED" {
			u.lastLogin = o.now.Add(-loginAgo).Truncate(time.Second)
			if u.lastLogin.Before(u.activated) {
				u.lastLogin = u.activated
			}
		}
	}
	u.created = u.created.Truncate(time.Millisecond)
	return u
}

// liveStatus maps a uniform draw to a non-deprovisioned status with roughly
// the mix of a real org.
func liveStatus(f float64) string {
	switch {
	case f < 0.82:
		return "ACTIVE"
	case f < 0.87:
		return "PROVISIONED"
	case f < 0.91:
		return "STAGED"
	case f < 0.94:
		return "SUSPENDED"
	case f < 0.96:
		return "LOCKED_OUT"
	case f < 0.98:
		return "PASSWORD_EXPIRED"
	default:
		return "RECOVERY"
	}
}

type href struct {
	Href string `json:"href"`
}

type userJSON struct {
	ID              string  `json:"id"`
	Status          string  `json:"status"`
	Created         string  `json:"created"`
	Activated       *string `json:"activated"`
	StatusChanged   *string `json:"statusChanged"`
	LastLogin       *string `json:"lastLogin"`
	LastUpdated     string  `json:"lastUpdated"`
	PasswordChanged *string `json:"passwordChanged"`
	Type            struct {
		ID string `json:"id"`
	} `json:"type"`
	Profile     userProfileJSON `json:"profile"`
	Credentials userCredsJSON   `json:"credentials"`
	Links       struct {
		Self href `json:"self"`
	} `json:"_links"`
}

type userProfileJSON struct {
	FirstName      string  `json:"firstName"`
	LastName       string  `json:"lastName"`
	MobilePhone    *string `json:"mobilePhone"`
	SecondEmail    *string `json:"secondEmail"`
	Login          string  `json:"login"`
	Email          string  `json:"email"`
	Title          string  `json:"title"`
	Department     string  `json:"department"`
	EmployeeNumber string  `json:"employeeNumber"`
	City           string  `json:"city"`
	CountryCode    string  `json:"countryCode"`
}

type userCredsJSON struct {
	Password *struct{} `json:"password,omitempty"`
	Emails   []struct {
		Value  string `json:"value"`
		Status string `json:"status"`
		Type   string `json:"type"`
	} `json:"emails"`
	Provider struct {
		Type string `json:"type"`
		Name string `json:"name"`
	} `json:"provider"`
}

// json renders the user as Okta lists it; base is the server's origin.
func (o *Org) userJSON(u user, base string) userJSON {
	j := userJSON{
		ID:              u.id,
		Status:          u.status,
		Created:         ts(u.created),
		Activated:       tsp(u.activated),
		StatusChanged:   tsp(u.statusChanged),
		LastLogin:       tsp(u.lastLogin),
		LastUpdated:     ts(u.lastUpdated),
		PasswordChanged: tsp(u.passwordChanged),
		Profile: userProfileJSON{
			FirstName: u.first, LastName: u.last, Login: u.login, Email: u.email, Title: u.title,
			Department: u.department, EmployeeNumber: u.employeeNumber, City: u.city, CountryCode: u.countryCode,
		},
	}
	j.Type.ID = o.typeID
	if u.status != "STAGED" && u.status != "PROVISIONED" {
		j.Credentials.Password = &struct{}{}
	}
	emailStatus := "VERIFIED"
	if u.status == "STAGED" || u.status == "PROVISIONED" {
		emailStatus = "NOT_VERIFIED"
	}
	j.Credentials.Emails = append(j.Credentials.Emails, struct {
		Value  string `json:"value"`
		Status string `json:"status"`
		Type   string `json:"type"`
	}{u.email, emailStatus, "PRIMARY"})
	j.Credentials.Provider.Type, j.Credentials.Provider.Name = "OKTA", "OKTA"
	j.Links.Self.Href = base + "/api/v1/users/" + u.id
	return j
}
