package importer

import (
	"io"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/csvfile"
)

// WriteProblems writes the problems of an import as CSV that Excel opens:
// line, level, reason, then the row's cells where the row could be read.
func WriteProblems(w io.Writer, rep *Report) error {
	cw := csvfile.NewWriter(w)
	if err := cw.Write(append([]string{"line", "level", "reason"}, rep.Header...)); err != nil {
		return err
	}
	for _, p := range rep.Problems {
		if err := cw.Write(append([]string{strconv.Itoa(p.Line), p.Level, p.Reason}, p.Cells...)); err != nil {
			return err
		}
	}
	return cw.Flush()
}
