package promoter

import (
	"fmt"
	"net/http"
	"time"

	"github.com/destemu/destemu/emulators"

	"github.com/destemu/destemu/wire"
)

// utcDay returns the UTC midnight that starts t's day. Truncate counts from
// the zero time, which is a UTC midnight, so whole days line up with UTC
// days.
func utcDay(t time.Time) time.Time { return t.UTC().Truncate(day) }

// countToday returns the requests counted on now's UTC date: each date has
// its own count, so the count starts at zero at UTC midnight with no
// background work, and a clock moved back to a day finds that day's count
// (PR-13).
func (s *State) countToday(now time.Time) int { return s.Daily[dateKey(now)] }

// dateKey names now's UTC date in Daily.
func dateKey(now time.Time) string { return utcDay(now).Format(time.DateOnly) }

// admitLocked counts one request against the daily limit, or refuses it with
// 429 and a Retry-After of the time to the next UTC midnight (PR-13). It runs
// under the account lock, so the count is exact however many requests race.
//
// (decision) Every request that reaches the destination counts, including
// one then refused with 400 (an identify creating a contact without email):
// Promoter spent its quota processing it. Requests the platform refuses
// before the destination (bad key, bad body, 501, G-10 duplicates) and
// requests refused here with 429 do not count.
func (s *State) admitLocked(now time.Time) error {
	today := utcDay(now)
	count := s.countToday(now)
	if count >= s.DailyLimit {
		next := today.Add(day)
		return &emulators.Error{
			Status: http.StatusTooManyRequests,
			Message: fmt.Sprintf("daily limit reached: Promoter processes at most %d Segment requests per UTC day; the count resets at %s",
				s.DailyLimit, next.Format(time.RFC3339)),
			RetryAfter: ceilSecond(next.Sub(now)),
		}
	}
	s.Daily[dateKey(now)] = count + 1
	return nil
}

// ceilSecond rounds d up to whole seconds, so that a client waiting
// Retry-After seconds never retries before midnight.
func ceilSecond(d time.Duration) time.Duration {
	return (d + time.Second - 1) / time.Second * time.Second
}

// DailyLimitView is the control-plane view of the daily counter.
type DailyLimitView = wire.PromoterDailyLimit

func (s *State) dailyLimitView(now time.Time) DailyLimitView {
	today := utcDay(now)
	count := s.countToday(now)
	next := today.Add(day)
	return DailyLimitView{
		Date:              today.Format(time.DateOnly),
		Count:             count,
		Limit:             s.DailyLimit,
		Remaining:         max(s.DailyLimit-count, 0),
		ResetsAt:          next,
		RetryAfterSeconds: int64(ceilSecond(next.Sub(now)) / time.Second),
	}
}
