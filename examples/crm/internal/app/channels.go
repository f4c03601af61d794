package app

import (
	"errors"
	"net/http"
	"sync"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/secret"
	"github.com/tenantgate/tenantgate/tenancy"
)

// channels are a workspace's messaging credentials. Credentials are
// secret.Values: every rendering (JSON, fmt, slog) is masked.
type channels struct {
	TelegramBotToken      secret.Value
	WhatsAppAccessToken   secret.Value
	WhatsAppPhoneNumberID string
	ResendAPIKey          secret.Value
	ResendFrom            string
}

// sealedChannels is the stored form: credentials sealed with the keyring,
// bound to their workspace and field.
type sealedChannels struct {
	telegram, whatsapp, resend []byte
	phoneNumberID, from        string
}

// channelStore keeps sealed channel credentials per workspace.
type channelStore struct {
	mu   sync.Mutex
	keys *secret.Keyring
	all  map[tenancy.WorkspaceID]sealedChannels
}

func newChannelStore(keys *secret.Keyring) *channelStore {
	return &channelStore{keys: keys, all: map[tenancy.WorkspaceID]sealedChannels{}}
}

func ad(ws tenancy.WorkspaceID, field string) []byte { return []byte(string(ws) + "/" + field) }

func (s *channelStore) open(ws tenancy.WorkspaceID, sc sealedChannels) (channels, error) {
	c := channels{WhatsAppPhoneNumberID: sc.phoneNumberID, ResendFrom: sc.from}
	for _, f := range []struct {
		name string
		ct   []byte
		dst  *secret.Value
	}{{"telegram", sc.telegram, &c.TelegramBotToken}, {"whatsapp", sc.whatsapp, &c.WhatsAppAccessToken}, {"resend", sc.resend, &c.ResendAPIKey}} {
		if f.ct == nil {
			continue
		}
		v, err := s.keys.OpenValue(f.ct, ad(ws, f.name))
		if err != nil {
			return channels{}, err
		}
		*f.dst = v
	}
	return c, nil
}

func (s *channelStore) seal(ws tenancy.WorkspaceID, c channels) sealedChannels {
	sc := sealedChannels{phoneNumberID: c.WhatsAppPhoneNumberID, from: c.ResendFrom}
	if !c.TelegramBotToken.IsZero() {
		sc.telegram = s.keys.SealValue(c.TelegramBotToken, ad(ws, "telegram"))
	}
	if !c.WhatsAppAccessToken.IsZero() {
		sc.whatsapp = s.keys.SealValue(c.WhatsAppAccessToken, ad(ws, "whatsapp"))
	}
	if !c.ResendAPIKey.IsZero() {
		sc.resend = s.keys.SealValue(c.ResendAPIKey, ad(ws, "resend"))
	}
	return sc
}

func (s *channelStore) get(ws tenancy.WorkspaceID) (channels, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open(ws, s.all[ws])
}

// update applies f to the stored channels atomically.
func (s *channelStore) update(ws tenancy.WorkspaceID, f func(*channels) error) (channels, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.open(ws, s.all[ws])
	if err != nil {
		return channels{}, err
	}
	if err := f(&c); err != nil {
		return channels{}, err
	}
	s.all[ws] = s.seal(ws, c)
	return c, nil
}

// channelsJSON is the wire shape; credentials render masked.
type channelsJSON struct {
	Telegram struct {
		BotToken secret.Value `json:"botToken"`
	} `json:"telegram"`
	WhatsApp struct {
		AccessToken   secret.Value `json:"accessToken"`
		PhoneNumberID string       `json:"phoneNumberId"`
	} `json:"whatsapp"`
	Resend struct {
		APIKey secret.Value `json:"apiKey"`
		From   string       `json:"from"`
	} `json:"resend"`
}

func toChannelsJSON(c channels) channelsJSON {
	var j channelsJSON
	j.Telegram.BotToken = c.TelegramBotToken
	j.WhatsApp.AccessToken = c.WhatsAppAccessToken
	j.WhatsApp.PhoneNumberID = c.WhatsAppPhoneNumberID
	j.Resend.APIKey = c.ResendAPIKey
	j.Resend.From = c.ResendFrom
	return j
}

func (a *App) getChannels(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	noStore(w)
	c, err := a.channels.get(t.Workspace.ID)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toChannelsJSON(c))
}

// putChannels updates the credentials with secret.Update semantics: a
// credential sent back exactly as GET masked it, null, "" or absent keeps
// the stored value; {"clear":true} removes it; another masked text is 422;
// any other string replaces it.
func (a *App) putChannels(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	noStore(w)
	var in struct {
		Telegram *struct {
			BotToken secret.Update `json:"botToken"`
		} `json:"telegram"`
		WhatsApp *struct {
			AccessToken   secret.Update `json:"accessToken"`
			PhoneNumberID *string       `json:"phoneNumberId"`
		} `json:"whatsapp"`
		Resend *struct {
			APIKey secret.Update `json:"apiKey"`
			From   *string       `json:"from"`
		} `json:"resend"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	apply := func(field string, dst *secret.Value, u secret.Update) error {
		v, err := u.Apply(*dst)
		if errors.Is(err, secret.ErrStaleMask) {
			return invalid(field, "is a masked value that does not match the stored credential")
		}
		*dst = v
		return err
	}
	c, err := a.channels.update(t.Workspace.ID, func(c *channels) error {
		if in.Telegram != nil {
			if err := apply("telegram.botToken", &c.TelegramBotToken, in.Telegram.BotToken); err != nil {
				return err
			}
		}
		if in.WhatsApp != nil {
			if err := apply("whatsapp.accessToken", &c.WhatsAppAccessToken, in.WhatsApp.AccessToken); err != nil {
				return err
			}
			if in.WhatsApp.PhoneNumberID != nil {
				c.WhatsAppPhoneNumberID = *in.WhatsApp.PhoneNumberID
			}
		}
		if in.Resend != nil {
			if err := apply("resend.apiKey", &c.ResendAPIKey, in.Resend.APIKey); err != nil {
				return err
			}
			if in.Resend.From != nil {
				c.ResendFrom = *in.Resend.From
			}
		}
		return nil
	})
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toChannelsJSON(c))
}
