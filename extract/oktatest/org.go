package oktatest

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// OrgConfig sizes a simulated org. Every value it generates is a pure
// function of Seed and an index, so two orgs with equal configs serve
// byte-identical responses.
type OrgConfig struct {
	// Seed makes the org reproducible.
	Seed int64
	// Now is the org's present: every generated timestamp is at or before it.
	// Zero means the wall clock at NewOrg, truncated to the second.
	Now time.Time
	// Users is the number of generated users, every status included.
	Users int
	// Admins is how many users hold admin role assignments (all ACTIVE).
	Admins int
	// Groups is the number of groups, the built-in Everyone group included.
	Groups int
	// EmptyGroupFraction is the share of groups (Everyone aside) with no members.
	EmptyGroupFraction float64
	// Apps is the number of applications.
	Apps int
	// CustomRoles is the number of custom admin roles (cr0…).
	CustomRoles int
	// ResourceSets is the number of resource sets (iam…).
	ResourceSets int
	// LogEvents is the number of generated System Log events.
	LogEvents int
	// LogSpan spreads the events' published times over [Now-LogSpan, Now].
	LogSpan time.Duration
	// DeprovisionedFraction is the share of users with status DEPROVISIONED.
	DeprovisionedFraction float64
	// LateLogFraction is the share of log events persisted one to ten
	// minutes after they were published; the rest persist within about two
	// seconds. Negative means none.
	LateLogFraction float64
	// GroupRules is the number of group rules; 0 means one per five groups
	// (at least one), negative none.
	GroupRules int
	// UserTypes is the number of user types besides the default one; 0
	// means two, negative none.
	UserTypes int
	// Devices is the number of registered devices; 0 means one per ten
	// users (at most 1000), negative none.
	Devices int
}

// DefaultOrgConfig returns a small org for tests and the demo: 120 users,
// 5 admins, 25 groups, 12 apps, 3 custom roles, 2 resource sets and 500 log
// events over the last 7 days. Now is left zero (the wall clock at NewOrg).
func DefaultOrgConfig() OrgConfig {
	return OrgConfig{
		Seed:                  1,
		Users:                 120,
		Admins:                5,
		Groups:                25,
		EmptyGroupFraction:    0.2,
		Apps:                  12,
		CustomRoles:           3,
		ResourceSets:          2,
		LogEvents:             500,
		LogSpan:               7 * 24 * time.Hour,
		DeprovisionedFraction: 0.1,
		LateLogFraction:       0.02,
	}
}

// Org is a simulated Okta org. Generated data is computed on demand; the
// overlay methods record the mutations tests make. An Org is safe for
// concurrent use and may back several servers.
type Org struct {
	cfg      OrgConfig
	now      time.Time
	orgID    string
	typeID   string
	logStart time.Time

	adminStep    int
	appsPerGroup []int32 // how many apps each group is assigned to

	// The overlay: what tests changed, guarded by mu.
	mu            sync.RWMutex
	userEdits     map[int]userEdit
	addedUsers    []user
	groupEdits    map[int]groupEdit
	deletedUsers  map[int]bool
	deletedGroups map[int]bool
	deletedApps   map[int]bool
	members       map[int]*setEdits  // by group: users added and removed
	appUsers      map[int]*setEdits  // by app: users assigned and unassigned
	appGroups     map[int]*setEdits  // by app: groups assigned and unassigned
	userGrants    map[int]*roleEdits // by user
	groupGrants   map[int]*roleEdits // by group
	grants        int                // role assignments granted so far, numbering their ids
	// addedLogs is sorted by published, then ordinal. It is replaced on
	// every insertion, never changed in place, so readers may range over
	// a copy of the slice header without the lock.
	addedLogs  []logKey
	logContent map[int]*mutationEvent // events the mutations wrote, by ordinal
	events     []Event
}

// NewOrg returns the org described by cfg. Negative sizes count as zero;
// Groups is at least 1 (Everyone) and Admins at most Users.
func NewOrg(cfg OrgConfig) *Org {
	cfg.Users = max(cfg.Users, 0)
	cfg.Groups = max(cfg.Groups, 1)
	cfg.Admins = min(max(cfg.Admins, 0), cfg.Users)
	cfg.Apps = max(cfg.Apps, 0)
	cfg.CustomRoles = max(cfg.CustomRoles, 0)
	cfg.ResourceSets = max(cfg.ResourceSets, 0)
	cfg.LogEvents = max(cfg.LogEvents, 0)
	if cfg.LogSpan <= 0 {
		cfg.LogSpan = 7 * 24 * time.Hour
	}
	if cfg.LateLogFraction == 0 {
		cfg.LateLogFraction = 0.02
	}
	cfg.GroupRules = sizeOrDefault(cfg.GroupRules, max(cfg.Groups/5, 1))
	cfg.UserTypes = sizeOrDefault(cfg.UserTypes, 2)
	cfg.Devices = sizeOrDefault(cfg.Devices, min(cfg.Users/10, 1000))
	now := cfg.Now
	if now.IsZero() {
		now = time.Now().Truncate(time.Second)
	}
	now = now.UTC()
	cfg.Now = now
	o := &Org{
		cfg:           cfg,
		now:           now,
		orgID:         makeID("00o", cfg.Seed, kindOrg, 0),
		typeID:        makeID("oty", cfg.Seed, kindUserType, 0),
		logStart:      now.Add(-cfg.LogSpan),
		userEdits:     map[int]userEdit{},
		groupEdits:    map[int]groupEdit{},
		deletedUsers:  map[int]bool{},
		deletedGroups: map[int]bool{},
		deletedApps:   map[int]bool{},
		members:       map[int]*setEdits{},
		appUsers:      map[int]*setEdits{},
		appGroups:     map[int]*setEdits{},
		userGrants:    map[int]*roleEdits{},
		groupGrants:   map[int]*roleEdits{},
		logContent:    map[int]*mutationEvent{},
	}
	if cfg.Admins > 0 {
		o.adminStep = cfg.Users / cfg.Admins
	}
	o.appsPerGroup = make([]int32, cfg.Groups)
	for a := 0; a < cfg.Apps; a++ {
		for _, g := range o.appGroupIndexes(a) {
			o.appsPerGroup[g]++
		}
	}
	return o
}

// Config returns the effective configuration (defaults applied, Now set).
func (o *Org) Config() OrgConfig { return o.cfg }

// Now returns the org's present, the time generated data leads up to.
func (o *Org) Now() time.Time { return o.now }

// UserID returns the ID of user i (generated users first, then added ones).
func (o *Org) UserID(i int) string { return makeID("00u", o.cfg.Seed, kindUser, i) }

// GroupID returns the ID of group i; group 0 is Everyone.
func (o *Org) GroupID(i int) string { return makeID("00g", o.cfg.Seed, kindGroup, i) }

// AppID returns the ID of application i.
func (o *Org) AppID(i int) string { return makeID("0oa", o.cfg.Seed, kindApp, i) }

// CustomRoleID returns the ID of custom role i.
func (o *Org) CustomRoleID(i int) string { return makeID("cr0", o.cfg.Seed, kindRole, i) }

// ResourceSetID returns the ID of resource set i.
func (o *Org) ResourceSetID(i int) string { return makeID("iam", o.cfg.Seed, kindResourceSet, i) }

// AdminIDs returns the IDs of the users holding role assignments, in the
// order /api/v1/iam/assignees/users lists them.
func (o *Org) AdminIDs() []string {
	var ids []string
	for _, i := range o.roleHolders() {
		ids = append(ids, o.UserID(i))
	}
	return ids
}

// Count returns how many records a full extract of the named stream (as the
// streams catalog names it) must yield from this org as of its Now, every
// mutation applied: users of every status, group_members summed over
// groups, user_role_assignments over role holders, logs published in the 7
// days before Now and persisted by Now. Unknown names return -1.
func (o *Org) Count(stream string) int {
	switch stream {
	case "users":
		o.mu.RLock()
		defer o.mu.RUnlock()
		return o.cfg.Users + len(o.addedUsers) - len(o.deletedUsers)
	case "groups":
		o.mu.RLock()
		defer o.mu.RUnlock()
		return o.cfg.Groups - len(o.deletedGroups)
	case "group_members":
		return o.sumGroups(func(g group) int { return g.members.count() })
	case "applications":
		o.mu.RLock()
		defer o.mu.RUnlock()
		return o.cfg.Apps - len(o.deletedApps)
	case "application_users":
		return o.sumApps(func(ap app) int { return ap.users.count() })
	case "application_groups":
		return o.sumApps(func(ap app) int { return o.appGroupSet(ap.idx).count() })
	case "custom_roles":
		return o.cfg.CustomRoles
	case "permissions":
		return sum(o.cfg.CustomRoles, func(r int) int { return len(o.permissionLabels(r)) })
	case "user_role_assignments":
		n := 0
		for _, i := range o.roleHolders() {
			n += len(o.userRoles(i))
		}
		return n
	case "group_role_assignments":
		return o.sumGroups(func(g group) int { return len(o.groupRoles(g.idx)) })
	case "resource_sets":
		return o.cfg.ResourceSets
	case "group_rules":
		return o.cfg.GroupRules
	case "user_types":
		return 1 + o.cfg.UserTypes
	case "user_schema":
		return 1
	case "devices":
		return o.cfg.Devices
	case "authenticators":
		return len(authenticatorKeys)
	case "logs":
		return o.CountLogs(o.now.Add(-7*24*time.Hour), o.now.Add(time.Millisecond), o.now)
	}
	return -1
}

// sumGroups adds f over the groups that exist.
func (o *Org) sumGroups(f func(group) int) int {
	return sum(o.cfg.Groups, func(g int) int {
		if gr, ok := o.group(g); ok {
			return f(gr)
		}
		return 0
	})
}

// sumApps adds f over the apps that exist.
func (o *Org) sumApps(f func(app) int) int {
	return sum(o.cfg.Apps, func(a int) int {
		if ap, ok := o.app(a); ok {
			return f(ap)
		}
		return 0
	})
}

// UserChange is a mutation of one user; empty fields are left unchanged.
type UserChange struct {
	// Status is the new status, e.g. "SUSPENDED" or "DEPROVISIONED".
	Status string
	// FirstName, LastName and Department replace profile attributes.
	FirstName, LastName, Department string
}

type userEdit struct {
	change      UserChange
	lastUpdated time.Time
}

// UpdateUser applies ch to the user with the given ID and sets its
// lastUpdated to at, so incremental extracts filtering on lastUpdated see
// it. It writes the System Log events Okta writes for the change: one for
// a status change (user.lifecycle.suspend, user.lifecycle.deactivate …)
// and user.account.update_profile when profile attributes are set.
func (o *Org) UpdateUser(id string, at time.Time, ch UserChange) error {
	i := parseID(id, "00u", o.cfg.Seed, kindUser)
	o.mu.Lock()
	defer o.mu.Unlock()
	before, ok := o.userLocked(i)
	if !ok {
		return fmt.Errorf("updating user %s: no such user", id)
	}
	at = at.UTC()
	if i >= o.cfg.Users {
		u := &o.addedUsers[i-o.cfg.Users]
		applyUserChange(u, ch, at)
	} else {
		prev := o.userEdits[i]
		merged := prev.change
		if ch.Status != "" {
			merged.Status = ch.Status
		}
		if ch.FirstName != "" {
			merged.FirstName = ch.FirstName
		}
		if ch.LastName != "" {
			merged.LastName = ch.LastName
		}
		if ch.Department != "" {
			merged.Department = ch.Department
		}
		o.userEdits[i] = userEdit{change: merged, lastUpdated: at}
	}
	after, _ := o.userLocked(i)
	if ch.Status != "" && ch.Status != before.status {
		o.logLocked(at, statusEventType(before.status, ch.Status), "/api/v1/users/"+id+"/lifecycle", o.userTarget(after))
	}
	if ch.FirstName != "" || ch.LastName != "" || ch.Department != "" {
		o.logLocked(at, "user.account.update_profile", "/api/v1/users/"+id, o.userTarget(after))
	}
	return nil
}

// TouchUser sets a user's lastUpdated to at without other changes; it
// writes no System Log event (no Okta operation does only that).
func (o *Org) TouchUser(id string, at time.Time) error {
	return o.UpdateUser(id, at, UserChange{})
}

// AddUser creates a user with the given status (empty: ACTIVE), created and
// last updated at at, member of Everyone only, and returns its ID. It
// writes user.lifecycle.create.
func (o *Org) AddUser(status string, at time.Time) string {
	if status == "" {
		status = "ACTIVE"
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	i := o.cfg.Users + len(o.addedUsers)
	u := o.generateUser(i)
	at = at.UTC()
	u.created, u.lastUpdated, u.statusChanged = at, at, at
	u.activated, u.lastLogin, u.passwordChanged = time.Time{}, time.Time{}, time.Time{}
	if status != "STAGED" {
		u.activated = at
	}
	u.status = status
	o.addedUsers = append(o.addedUsers, u)
	o.logLocked(at, "user.lifecycle.create", "/api/v1/users", o.userTarget(u))
	return u.id
}

// TouchGroup sets a group's lastUpdated to at; it writes no System Log event.
func (o *Org) TouchGroup(id string, at time.Time) error {
	g := parseID(id, "00g", o.cfg.Seed, kindGroup)
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.groupLocked(g); !ok {
		return fmt.Errorf("touching group %s: no such group", id)
	}
	e := o.groupEdits[g]
	e.lastUpdated = at.UTC()
	o.groupEdits[g] = e
	return nil
}

// AddLogEvent adds a System Log event published at published that becomes
// visible once the server's clock reaches persistedAt (clamped to no earlier
// than published). Adding events whose persistedAt order differs from their
// published order reproduces Okta's late-persisting events. Its content is
// generated like the seeded events'. It returns the event's uuid.
func (o *Org) AddLogEvent(published, persistedAt time.Time) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, uuid := o.insertLogLocked(published, persistedAt)
	return uuid
}

// insertLogLocked places a new event in the log and returns its key and uuid.
func (o *Org) insertLogLocked(published, persistedAt time.Time) (k logKey, uuid string) {
	published = published.UTC().Truncate(time.Millisecond)
	persistedAt = persistedAt.UTC().Truncate(time.Millisecond)
	if persistedAt.Before(published) {
		persistedAt = published
	}
	k = logKey{
		ord:       o.cfg.LogEvents + len(o.addedLogs),
		published: published.UnixMilli(),
		persisted: persistedAt.UnixMilli(),
	}
	at := sort.Search(len(o.addedLogs), func(j int) bool { return k.pubLess(o.addedLogs[j]) })
	next := make([]logKey, 0, len(o.addedLogs)+1)
	next = append(next, o.addedLogs[:at]...)
	next = append(next, k)
	o.addedLogs = append(next, o.addedLogs[at:]...)
	return k, makeUUID(o.cfg.Seed, kindLog, k.ord)
}

func (o *Org) userCount() int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.cfg.Users + len(o.addedUsers)
}

// ts formats a time the way Okta does: UTC with milliseconds.
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// tsp is ts for nullable fields: nil for the zero time.
func tsp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := ts(t)
	return &s
}

// sizeOrDefault is n, def when n is 0, and 0 when n is negative.
func sizeOrDefault(n, def int) int {
	switch {
	case n < 0:
		return 0
	case n == 0:
		return def
	}
	return n
}

// sum adds f(i) for i in [0, n).
func sum(n int, f func(int) int) int {
	total := 0
	for i := 0; i < n; i++ {
		total += f(i)
	}
	return total
}
