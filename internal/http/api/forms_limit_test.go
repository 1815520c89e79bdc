package api

import (
	"strconv"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

func TestSubmitLimiter(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := newSubmitLimiter(3, 10*time.Second)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.allow("1.2.3.4"); !ok {
			t.Fatalf("post %d of the burst refused", i)
		}
	}
	ok, wait := l.allow("1.2.3.4")
	if ok || wait != 10*time.Second {
		t.Fatalf("over the burst: %v, wait %v", ok, wait)
	}
	if ok, _ := l.allow("5.6.7.8"); !ok {
		t.Error("another address is refused")
	}
	now = now.Add(4 * time.Second)
	if ok, wait := l.allow("1.2.3.4"); ok || wait != 6*time.Second {
		t.Errorf("after 4 s: %v, wait %v", ok, wait)
	}
	now = now.Add(6 * time.Second)
	if ok, _ := l.allow("1.2.3.4"); !ok {
		t.Error("a token did not come back")
	}
	err := l.check("1.2.3.4")
	if ce, ok := crm.AsError(err); !ok || ce.Kind != crm.KindRateLimited || ce.Code != "too_many_submissions" || ce.Params["retry_after"] != 10 {
		t.Errorf("check: %v", err)
	}
	// Idle addresses are forgotten once there are many.
	for i := range maxBuckets {
		l.allow("10.0." + strconv.Itoa(i))
	}
	now = now.Add(time.Hour)
	l.allow("new")
	if len(l.buckets) > 2 {
		t.Errorf("%d buckets kept", len(l.buckets))
	}
}
