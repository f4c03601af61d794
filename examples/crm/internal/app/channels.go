package app

import (
	"net/http"
	"sync"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// channels are a workspace's messaging credentials.
type channels struct {
	TelegramBotToken      string
	WhatsAppAccessToken   string
	WhatsAppPhoneNumberID string
	ResendAPIKey          string
	ResendFrom            string
}

type channelStore struct {
	mu  sync.Mutex
	all map[tenancy.WorkspaceID]channels
}

func newChannelStore() *channelStore { return &channelStore{all: map[tenancy.WorkspaceID]channels{}} }

func (s *channelStore) get(ws tenancy.WorkspaceID) channels {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.all[ws]
}

func (s *channelStore) update(ws tenancy.WorkspaceID, f func(*channels)) channels {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.all[ws]
	f(&c)
	s.all[ws] = c
	return c
}

// channelsJSON is the wire shape; credentials are always masked.
type channelsJSON struct {
	Telegram struct {
		BotToken string `json:"botToken"`
	} `json:"telegram"`
	WhatsApp struct {
		AccessToken   string `json:"accessToken"`
		PhoneNumberID string `json:"phoneNumberId"`
	} `json:"whatsapp"`
	Resend struct {
		APIKey string `json:"apiKey"`
		From   string `json:"from"`
	} `json:"resend"`
}

func toChannelsJSON(c channels) channelsJSON {
	var j channelsJSON
	j.Telegram.BotToken = mask(c.TelegramBotToken)
	j.WhatsApp.AccessToken = mask(c.WhatsAppAccessToken)
	j.WhatsApp.PhoneNumberID = c.WhatsAppPhoneNumberID
	j.Resend.APIKey = mask(c.ResendAPIKey)
	j.Resend.From = c.ResendFrom
	return j
}

func (a *App) getChannels(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	noStore(w)
	writeJSON(w, http.StatusOK, toChannelsJSON(a.channels.get(t.Workspace.ID)))
}

// putChannels replaces the credentials. A credential sent back exactly as
// GET masked it, or absent, keeps the stored value; any other value
// replaces it.
func (a *App) putChannels(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	noStore(w)
	var in struct {
		Telegram *struct {
			BotToken *string `json:"botToken"`
		} `json:"telegram"`
		WhatsApp *struct {
			AccessToken   *string `json:"accessToken"`
			PhoneNumberID *string `json:"phoneNumberId"`
		} `json:"whatsapp"`
		Resend *struct {
			APIKey *string `json:"apiKey"`
			From   *string `json:"from"`
		} `json:"resend"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	setSecret := func(dst *string, v *string) {
		if v != nil && *v != mask(*dst) {
			*dst = *v
		}
	}
	setPlain := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	c := a.channels.update(t.Workspace.ID, func(c *channels) {
		if in.Telegram != nil {
			setSecret(&c.TelegramBotToken, in.Telegram.BotToken)
		}
		if in.WhatsApp != nil {
			setSecret(&c.WhatsAppAccessToken, in.WhatsApp.AccessToken)
			setPlain(&c.WhatsAppPhoneNumberID, in.WhatsApp.PhoneNumberID)
		}
		if in.Resend != nil {
			setSecret(&c.ResendAPIKey, in.Resend.APIKey)
			setPlain(&c.ResendFrom, in.Resend.From)
		}
	})
	writeJSON(w, http.StatusOK, toChannelsJSON(c))
}
