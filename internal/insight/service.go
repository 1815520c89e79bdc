package insight

import "github.com/guanxi-crm/guanxi/internal/crm"

// Service is customer insight for users.
type Service struct {
	store Store
	clock crm.Clock
}

// NewService returns a Service; clock nil means the system clock.
func NewService(store Store, clock crm.Clock) *Service {
	if clock == nil {
		clock = crm.SystemClock{}
	}
	return &Service{store: store, clock: clock}
}
