package port

import (
	"strings"
	"testing"
)

func TestConfigDefaults(t *testing.T) {
	var cfg Config
	cfg.SetDefaults()
	if cfg.BaseURL != DefaultBaseURL || cfg.Concurrency != 8 || !*cfg.Merge || !*cfg.CreateMissingRelated ||
		cfg.MaxRetries != 6 || cfg.Logger == nil || cfg.Clock == nil || cfg.HTTPClient == nil {
		t.Errorf("defaults %+v", cfg)
	}
	off := false
	cfg = Config{Merge: &off, MaxRetries: -1}
	cfg.SetDefaults()
	cfg.SetDefaults()
	if *cfg.Merge || cfg.MaxRetries != -1 {
		t.Errorf("explicit values overridden: merge %v retries %d", *cfg.Merge, cfg.MaxRetries)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := func() Config {
		c := Config{ClientID: "id", ClientSecret: "s"}
		c.SetDefaults()
		return c
	}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"valid", func(*Config) {}, ""},
		{"no id", func(c *Config) { c.ClientID = "" }, "port.Config.ClientID"},
		{"no secret", func(c *Config) { c.ClientSecret = "" }, "port.Config.ClientSecret"},
		{"bad url", func(c *Config) { c.BaseURL = "api.port.io" }, `"api.port.io"`},
		{"concurrency", func(c *Config) { c.Concurrency = -2 }, "port.Config.Concurrency: -2"},
	}
	for _, tt := range tests {
		c := ok()
		tt.edit(&c)
		err := c.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := New(Config{ClientID: "id"}); err == nil || !strings.Contains(err.Error(), "configuring port client") {
		t.Errorf("New without secret: %v", err)
	}
}
