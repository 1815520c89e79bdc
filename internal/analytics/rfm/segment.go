package rfm

import "fmt"

// Segment is a named cell of the RFM map. Its String is a stable machine
// name in snake_case; the UI translates it.
type Segment uint8

// The segments, from the best customers to the lost ones. None is the
// segment of customers who have not ordered.
const (
	None Segment = iota
	Champions
	LoyalCustomers
	PotentialLoyalists
	NewCustomers
	Promising
	NeedAttention
	AboutToSleep
	AtRisk
	CannotLoseThem
	Hibernating
	Lost
)

// AllSegments lists the segments in the order of their values (None
// excluded).
var AllSegments = []Segment{
	Champions, LoyalCustomers, PotentialLoyalists, NewCustomers, Promising, NeedAttention,
	AboutToSleep, AtRisk, CannotLoseThem, Hibernating, Lost,
}

var segmentNames = [...]string{
	None:               "none",
	Champions:          "champions",
	LoyalCustomers:     "loyal_customers",
	PotentialLoyalists: "potential_loyalists",
	NewCustomers:       "new_customers",
	Promising:          "promising",
	NeedAttention:      "need_attention",
	AboutToSleep:       "about_to_sleep",
	AtRisk:             "at_risk",
	CannotLoseThem:     "cannot_lose_them",
	Hibernating:        "hibernating",
	Lost:               "lost",
}

func (s Segment) String() string {
	if int(s) < len(segmentNames) {
		return segmentNames[s]
	}
	return fmt.Sprintf("segment(%d)", uint8(s))
}

// MarshalText writes the machine name, so that JSON carries names.
func (s Segment) MarshalText() ([]byte, error) {
	if int(s) >= len(segmentNames) {
		return nil, fmt.Errorf("rfm: unknown segment %d", uint8(s))
	}
	return []byte(segmentNames[s]), nil
}

// UnmarshalText reads a machine name.
func (s *Segment) UnmarshalText(text []byte) error {
	for i, name := range segmentNames {
		if name == string(text) {
			*s = Segment(i)
			return nil
		}
	}
	return fmt.Errorf("rfm: unknown segment %q", text)
}

// segmentMap names the cells of recency (R) × combined frequency–monetary
// score (FM), both on 1..5: segmentMap[R-1][FM-1].
//
// The eleven segments and their ranges are Putler's widely copied table
// ("RFM Analysis for Successful Customer Segmentation", putler.com), which
// scores R and the mean of F and M. The R package rfm (Aravind Hebbali,
// CRAN, versions 0.2.x, function rfm_segment) ships the same ranges, F and
// M bounds equal, without Hibernating:
//
//	segment              R     FM
//	champions            4–5   4–5
//	loyal_customers      2–5   3–5
//	potential_loyalists  3–5   1–3
//	new_customers        4–5   1
//	promising            3–4   1
//	need_attention       2–3   2–3
//	about_to_sleep       2–3   1–2
//	at_risk              1–2   2–5
//	cannot_lose_them     1     4–5
//	hibernating          1–2   1–2
//	lost                 1–2   1–2
//
// Those ranges overlap, and matching them in order, as rfm_segment does,
// leaves new_customers and others unreachable (potential_loyalists takes
// their cells first). So the map below is a partition of the 25 cells in
// which every cell lies inside its segment's published ranges and every
// segment keeps at least one cell: where ranges overlap, the segment with
// the fewest cells wins; where that ties, the cell takes its name in the
// R × F map common to Python tutorials (R4·1 promising, R3·2 about to
// sleep, R1–2 × 1–2 hibernating), except R1·FM1, the lowest cell, which is
// lost.
var segmentMap = [5][5]Segment{
	// FM = 1      2                   3                   4               5
	{Lost, Hibernating, AtRisk, CannotLoseThem, CannotLoseThem},                  // R = 1
	{Hibernating, Hibernating, NeedAttention, AtRisk, AtRisk},                    // R = 2
	{Promising, AboutToSleep, NeedAttention, LoyalCustomers, LoyalCustomers},     // R = 3
	{Promising, PotentialLoyalists, PotentialLoyalists, Champions, Champions},    // R = 4
	{NewCustomers, PotentialLoyalists, PotentialLoyalists, Champions, Champions}, // R = 5
}

// SegmentOf names the segment of scores r, f, m on 1..bins. Other numbers
// of bins than five are placed on the quintile map by rescaling each score
// linearly onto 1..5 (1 stays 1, bins becomes 5) and rounding half up; FM is
// the mean of the rescaled F and M, rounded half up. It returns None for
// scores out of range.
func SegmentOf(r, f, m, bins int) Segment {
	if bins < 2 || bins > MaxBins || r < 1 || f < 1 || m < 1 || r > bins || f > bins || m > bins {
		return None
	}
	return segmentMap[rescale(r, bins)-1][fmScore(f, m, bins)-1]
}

// segmentTable holds SegmentOf for every score triple of one number of
// bins, so that scoring a million customers looks each up once.
type segmentTable struct {
	bins  int
	cells []Segment
}

func newSegmentTable(bins int) segmentTable {
	t := segmentTable{bins: bins, cells: make([]Segment, bins*bins*bins)}
	for r := 1; r <= bins; r++ {
		for f := 1; f <= bins; f++ {
			for m := 1; m <= bins; m++ {
				t.cells[((r-1)*bins+f-1)*bins+m-1] = SegmentOf(r, f, m, bins)
			}
		}
	}
	return t
}

func (t segmentTable) of(r, f, m int) Segment { return t.cells[((r-1)*t.bins+f-1)*t.bins+m-1] }
