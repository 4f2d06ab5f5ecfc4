package oktatest

import (
	"fmt"
	"strings"
	"time"
)

var eventTypes = []struct {
	typ, display, legacy, target string
	weight                       int
}{
	{"user.session.start", "User login to Okta", "core.user_auth.login_success", "", 30},
	{"user.authentication.sso", "User single sign on to app", "app.auth.sso", "app", 25},
	{"policy.evaluate_sign_on", "Evaluation of sign-on policy", "", "", 15},
	{"user.session.end", "User logout from Okta", "core.user_auth.logout_success", "", 10},
	{"user.authentication.auth_via_mfa", "Authentication of user via MFA", "core.user.factor.attempt_success", "", 8},
	{"user.account.update_profile", "Update user profile for Okta", "core.user.config.profile_update.success", "user", 5},
	{"group.user_membership.add", "Add user to group membership", "group.user_membership.add", "group", 4},
	{"application.user_membership.add", "Add user to application membership", "app.generic.provision.assign_user_to_app", "app", 3},
}

var browsers = []logUserAgent{
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", "Mac OS X", "SAFARI"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Windows 10", "CHROME"},
	{"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "Linux", "FIREFOX"},
	{"okta-sdk-go/2.0.0 golang/go1.22 linux/amd64", "Linux", "UNKNOWN"},
}

var geos = []struct {
	ctx logGeo
	asn int
	isp string
}{
	{logGeo{"San Francisco", "California", "United States", "94107", logGeolocation{37.7697, -122.3933}}, 7922, "comcast"},
	{logGeo{"New York", "New York", "United States", "10001", logGeolocation{40.7484, -73.9967}}, 701, "verizon"},
	{logGeo{"London", "England", "United Kingdom", "EC1A", logGeolocation{51.5164, -0.093}}, 2856, "british telecommunications plc"},
	{logGeo{"Berlin", "Land Berlin", "Germany", "10115", logGeolocation{52.5323, 13.3846}}, 3320, "deutsche telekom ag"},
	{logGeo{"Tel Aviv", "Tel Aviv", "Israel", "61000", logGeolocation{32.0678, 34.7647}}, 8551, "bezeq international"},
}

// logEvent is the spec's LogEvent as Okta fills it for these event types.
type logEvent struct {
	Actor                 logEntity     `json:"actor"`
	AuthenticationContext logAuthCtx    `json:"authenticationContext"`
	Client                logClient     `json:"client"`
	DebugContext          logDebug      `json:"debugContext"`
	Device                *struct{}     `json:"device"`
	DisplayMessage        string        `json:"displayMessage"`
	EventType             string        `json:"eventType"`
	LegacyEventType       string        `json:"legacyEventType,omitempty"`
	Outcome               logOutcome    `json:"outcome"`
	Published             string        `json:"published"`
	Request               logRequest    `json:"request"`
	SecurityContext       logSecurity   `json:"securityContext"`
	Severity              string        `json:"severity"`
	Target                []logEntity   `json:"target"`
	Transaction           logTransation `json:"transaction"`
	UUID                  string        `json:"uuid"`
	Version               string        `json:"version"`
}

type logEntity struct {
	AlternateID string `json:"alternateId"`
	DisplayName string `json:"displayName"`
	ID          string `json:"id"`
	Type        string `json:"type"`
}

type logAuthCtx struct {
	AuthenticationStep int    `json:"authenticationStep"`
	ExternalSessionID  string `json:"externalSessionId"`
}

type logClient struct {
	Device              string       `json:"device"`
	GeographicalContext logGeo       `json:"geographicalContext"`
	IPAddress           string       `json:"ipAddress"`
	UserAgent           logUserAgent `json:"userAgent"`
	Zone                string       `json:"zone"`
}

type logGeo struct {
	City        string         `json:"city"`
	State       string         `json:"state"`
	Country     string         `json:"country"`
	PostalCode  string         `json:"postalCode"`
	Geolocation logGeolocation `json:"geolocation"`
}

type logGeolocation struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

type logUserAgent struct {
	RawUserAgent string `json:"rawUserAgent"`
	OS           string `json:"os"`
	Browser      string `json:"browser"`
}

type logDebug struct {
	DebugData struct {
		RequestID  string `json:"requestId"`
		RequestURI string `json:"requestUri"`
		URL        string `json:"url"`
		// PrivilegeGranted names the role of a privilege grant or revoke.
		PrivilegeGranted string `json:"privilegeGranted,omitempty"`
	} `json:"debugData"`
}

type logOutcome struct {
	Reason string `json:"reason,omitempty"`
	Result string `json:"result"`
}

type logRequest struct {
	IPChain []logIP `json:"ipChain"`
}

type logIP struct {
	GeographicalContext logGeo `json:"geographicalContext"`
	IP                  string `json:"ip"`
	Version             string `json:"version"`
}

type logSecurity struct {
	AsNumber int    `json:"asNumber"`
	AsOrg    string `json:"asOrg"`
	Domain   string `json:"domain"`
	IsProxy  bool   `json:"isProxy"`
	ISP      string `json:"isp"`
}

type logTransation struct {
	Detail struct{} `json:"detail"`
	ID     string   `json:"id"`
	Type   string   `json:"type"`
}

// logEventJSON renders event k: its content is a function of k.ord only,
// its published time comes from k.
func (o *Org) logEventJSON(k logKey) logEvent {
	r := newRNG(o.cfg.Seed, kindLog, k.ord)
	w := r.intn(100)
	et := eventTypes[0]
	for _, e := range eventTypes {
		if w < e.weight {
			et = e
			break
		}
		w -= e.weight
	}
	actorIdx := r.intn(max(o.cfg.Users, 1))
	ua := browsers[r.intn(len(browsers))]
	geo := geos[r.intn(len(geos))]
	ip := fmt.Sprintf("%d.%d.%d.%d", 11+r.intn(180), r.intn(256), r.intn(256), 1+r.intn(254))
	outcomeDraw := r.float()
	targetDraw := r.intn(1 << 30)
	ev := logEvent{
		AuthenticationContext: logAuthCtx{ExternalSessionID: "102" + randomChars(r, 22)},
		Client:                logClient{Device: "Computer", GeographicalContext: geo.ctx, IPAddress: ip, UserAgent: ua, Zone: "null"},
		DisplayMessage:        et.display,
		EventType:             et.typ,
		LegacyEventType:       et.legacy,
		Outcome:               logOutcome{Result: "SUCCESS"},
		Published:             ts(time.UnixMilli(k.published)),
		Request:               logRequest{IPChain: []logIP{{GeographicalContext: geo.ctx, IP: ip, Version: "V4"}}},
		SecurityContext: logSecurity{AsNumber: geo.asn, AsOrg: geo.isp, ISP: geo.isp,
			Domain: strings.ReplaceAll(geo.isp, " ", "") + ".net"},
		Severity:    "INFO",
		Target:      []logEntity{},
		Transaction: logTransation{ID: randomChars(r, 27), Type: "WEB"},
		UUID:        makeUUID(o.cfg.Seed, kindLog, k.ord),
		Version:     "0",
	}
	ev.DebugContext.DebugData.RequestID = randomChars(r, 27)
	ev.DebugContext.DebugData.RequestURI = "/idp/idx/authenticators/poll"
	ev.DebugContext.DebugData.URL = "/idp/idx/authenticators/poll?"

	ev.Actor = logEntity{ID: o.orgID, Type: "PublicClientApp", AlternateID: "unknown", DisplayName: "Okta"}
	if o.cfg.Users > 0 {
		ev.Actor = o.userEntity(actorIdx)
	}
	switch {
	case et.typ == "policy.evaluate_sign_on":
		ev.Outcome = logOutcome{Result: "ALLOW", Reason: "Sign-on policy evaluation resulted in ALLOW"}
	case outcomeDraw < 0.08:
		ev.Outcome = logOutcome{Result: "FAILURE", Reason: "INVALID_CREDENTIALS"}
		ev.Severity = "WARN"
	}
	if m := o.mutationContent(k.ord); m != nil {
		ev.EventType, ev.DisplayMessage, ev.LegacyEventType = m.eventType, m.display, m.legacy
		ev.Actor, ev.Target = m.actor, append([]logEntity{}, m.targets...)
		ev.Outcome, ev.Severity = logOutcome{Result: "SUCCESS"}, "INFO"
		ev.DebugContext.DebugData.RequestURI, ev.DebugContext.DebugData.URL = m.requestURI, m.requestURI
		if m.privilege != "" {
			ev.DebugContext.DebugData.PrivilegeGranted = m.privilege
		}
		return ev
	}
	switch et.target {
	case "app":
		if o.cfg.Apps > 0 {
			ev.Target = append(ev.Target, appTarget(o.generateApp(targetDraw%o.cfg.Apps)))
		}
	case "group":
		ev.Target = append(ev.Target, groupTarget(o.generateGroup(targetDraw%o.cfg.Groups)))
	case "user":
		if o.cfg.Users > 0 {
			ev.Target = append(ev.Target, o.userEntity(targetDraw%o.cfg.Users))
		}
	}
	return ev
}

// userEntity is a generated user as a log actor or target.
func (o *Org) userEntity(i int) logEntity { return o.userTarget(o.generateUser(i)) }
