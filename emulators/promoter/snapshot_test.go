package promoter_test

import (
	"fmt"
	"testing"

	"github.com/destemu/destemu/client"
	"github.com/destemu/destemu/testkit"
)

// TestSnapshotWhileSurveysGrow exports snapshots while tracks add surveys
// and contacts join a list, responses are recorded and contacts change
// (run it with -race): a snapshot's copy shares the survey rows and their
// text, the list's members and the contacts' records with the account,
// which appends to them, and reads a responses map that a response
// replaces rather than changes. Every export imports into
// another server, where each survey is listed once and every contact on
// the list was surveyed.
func TestSnapshotWhileSurveysGrow(t *testing.T) {
	t.Parallel()
	s, other := testkit.Start(t), testkit.Start(t).Client()
	c := s.Client()
	testkit.Must(c.CreateAccount(ctx, "promoter", client.AccountSpec{ID: "acme", Keys: []client.KeySpec{{Value: "k"}},
		Config: client.PromoterConfig{Campaigns: []client.PromoterCampaignSpec{
			{ID: "nps", Name: "NPS", TriggerEvent: "Order Completed", ReminderDays: 1, Activate: true}}}}))(t)
	done := make(chan error)
	go func() {
		var err error
		for i := 0; err == nil && i < 150; i++ {
			u := fmt.Sprintf("u-%d", i)
			_, err = c.Send(ctx, "promoter", "k", nil, client.Identify(u, map[string]any{"email": u + "@example.com"}))
			if err == nil {
				_, err = c.Send(ctx, "promoter", "k", nil, client.Track(u, "Order Completed", nil))
			}
			if err == nil && i > 0 { // the previous contact changes: a new record
				prev := fmt.Sprintf("u-%d", i-1)
				_, err = c.Send(ctx, "promoter", "k", nil, client.Identify(prev, map[string]any{"email": prev + "-again@example.com"}))
			}
			if err == nil && i%3 == 0 {
				_, err = c.Promoter("acme").RespondSurvey(ctx, fmt.Sprintf("srv_%d", i+1), i%11, "")
			}
		}
		done <- err
	}()
	testkit.RestoreWhile(t, c, other, done, func() {
		acct := other.Promoter("acme")
		surveyed := map[string]bool{}
		for _, sv := range testkit.Must(acct.Surveys(ctx, nil))(t) {
			if surveyed[sv.Contact] {
				t.Fatalf("%s surveyed twice", sv.Contact)
			}
			surveyed[sv.Contact] = true
		}
		for _, ct := range testkit.Must(acct.Contacts(ctx, client.Query{"limit": "1000"}))(t) {
			if ct.Email != ct.UserID+"@example.com" && ct.Email != ct.UserID+"-again@example.com" {
				t.Fatalf("contact %s reads email %s", ct.UserID, ct.Email)
			}
		}
		for _, u := range testkit.Must(acct.ContactList(ctx, "segment-list"))(t).Contacts {
			if !surveyed[u] {
				t.Fatalf("%s on the list without a survey", u)
			}
		}
	})
}
