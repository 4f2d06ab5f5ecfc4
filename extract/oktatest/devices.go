package oktatest

import (
	"fmt"
	"net/http"
	"time"
)

// devicesLimit follows "List all devices" (GET /api/v1/devices): limit
// defaults to 200, at most 200, with Link headers and an after cursor.
var devicesLimit = pageLimit{def: 200, min: 1, max: 200}

// DeviceID returns the ID of device i.
func (o *Org) DeviceID(i int) string { return makeID("guo", o.cfg.Seed, kindDevice, i) }

// deviceJSON is a Device (components.schemas.Device): its profile holds
// the platform's own identifiers (udid on macOS, sid on Windows, imei on
// phones).
type deviceJSON struct {
	ID                  string         `json:"id"`
	Status              string         `json:"status"`
	Created             string         `json:"created"`
	LastUpdated         string         `json:"lastUpdated"`
	Profile             map[string]any `json:"profile"`
	ResourceID          string         `json:"resourceId"`
	ResourceDisplayName struct {
		Value     string `json:"value"`
		Sensitive bool   `json:"sensitive"`
	} `json:"resourceDisplayName"`
	ResourceType string `json:"resourceType"`
	Links        struct {
		Self       href  `json:"self"`
		Users      href  `json:"users"`
		Activate   *href `json:"activate,omitempty"`
		Deactivate *href `json:"deactivate,omitempty"`
		Suspend    *href `json:"suspend,omitempty"`
	} `json:"_links"`
}

var devicePlatforms = []struct{ platform, manufacturer, model, os string }{
	{"MACOS", "APPLE", "MacBookPro18,3", "14.4.1"},
	{"WINDOWS", "LENOVO", "ThinkPad X1 Carbon", "10.0.22631"},
	{"IOS", "APPLE", "iPhone15,2", "17.4"},
	{"ANDROID", "GOOGLE", "Pixel 8", "14"},
}

func (o *Org) device(i int, base string) deviceJSON {
	r := newRNG(o.cfg.Seed, kindDevice, i)
	p := pick(r, devicePlatforms)
	id := o.DeviceID(i)
	created := o.now.Add(-day - time.Duration(r.intn(400*24*3600))*time.Second).Truncate(time.Millisecond)
	j := deviceJSON{ID: id, Status: "ACTIVE", Created: ts(created), ResourceID: id, ResourceType: "UDDevice",
		LastUpdated: ts(created.Add(time.Duration(r.float() * float64(o.now.Sub(created)))).Truncate(time.Millisecond))}
	switch k := r.intn(20); {
	case k == 0:
		j.Status = "SUSPENDED"
	case k == 1:
		j.Status = "DEACTIVATED"
	}
	name := fmt.Sprintf("%s device %d", p.platform, i)
	prof := map[string]any{
		"displayName": name, "platform": p.platform, "manufacturer": p.manufacturer, "model": p.model,
		"osVersion": p.os, "registered": true, "secureHardwarePresent": r.intn(3) != 0,
		"serialNumber": fmt.Sprintf("SN%010d", hash64(o.cfg.Seed, kindDevice, i)%10_000_000_000),
	}
	switch p.platform {
	case "MACOS":
		prof["udid"] = fmt.Sprintf("%08X-%04X-%04X-%04X-%012X", r.next()&0xFFFFFFFF, r.next()&0xFFFF, r.next()&0xFFFF, r.next()&0xFFFF, r.next()&0xFFFFFFFFFFFF)
		prof["diskEncryptionType"] = "ALL_INTERNAL_VOLUMES"
	case "WINDOWS":
		prof["sid"] = fmt.Sprintf("S-1-5-21-%d-%d-%d-%d", r.intn(1<<30), r.intn(1<<30), r.intn(1<<30), 1000+i)
		prof["diskEncryptionType"] = "ALL_INTERNAL_VOLUMES"
	default:
		prof["imei"] = fmt.Sprintf("%015d", hash64(o.cfg.Seed, kindDevice, i, 1)%1_000_000_000_000_000)
		prof["integrityJailbreak"] = false
		prof["diskEncryptionType"] = "USER"
	}
	prof["managed"] = r.intn(2) == 0
	j.Profile = prof
	j.ResourceDisplayName.Value = name
	self := base + "/api/v1/devices/" + id
	j.Links.Self.Href = self
	j.Links.Users.Href = self + "/users"
	switch j.Status {
	case "ACTIVE":
		j.Links.Deactivate = &href{self + "/lifecycle/deactivate"}
		j.Links.Suspend = &href{self + "/lifecycle/suspend"}
	case "SUSPENDED":
		j.Links.Deactivate = &href{self + "/lifecycle/deactivate"}
	case "DEACTIVATED":
		j.Links.Activate = &href{self + "/lifecycle/activate"}
	}
	return j
}

// handleDevices lists devices in ID-cursor order.
func handleDevices(s *Server, w http.ResponseWriter, r *http.Request, _ []string, _ time.Time) {
	q := r.URL.Query()
	limit, ok := s.limitOrFail(w, q, devicesLimit)
	if !ok {
		return
	}
	start, ok := s.afterIndex(w, q, "guo", kindDevice)
	if !ok {
		return
	}
	n := s.org.cfg.Devices
	end := min(n, start+limit)
	var items []deviceJSON
	for i := start; i < end; i++ {
		items = append(items, s.org.device(i, origin(r)))
	}
	writeArray(w, r, items, lastID(items, func(d deviceJSON) string { return d.ID }), end < n)
}
