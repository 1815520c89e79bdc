package importer

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/csvfile"
	"github.com/guanxi-crm/guanxi/internal/vcard"
)

// source reads the records of a file one at a time: a row for a handler,
// or the problem that rejects the record (with the row's line), or io.EOF.
// Any other error makes the file unreadable.
type source interface {
	next() (r row, problem string, err error)
}

// open reads the start of a file: a CSV file's header, or the first bytes
// that make it a vCard file (contacts only).
func open(r io.Reader, opt Options) (source, *Report, error) {
	const op = "importer.Run"
	br := bufio.NewReaderSize(r, 64<<10)
	rep := &Report{Type: opt.Type, DryRun: opt.DryRun, Problems: []RowProblem{}}
	if opt.Type == Contacts && isVCard(br) {
		rep.Encoding, rep.Header, rep.Mapping = "vcard", Fields(Contacts), Fields(Contacts)
		return &vcardSource{dec: vcard.NewDecoder(br)}, rep, nil
	}
	rd, err := csvfile.NewReader(br, csvfile.Options{Encoding: opt.Encoding, Comma: opt.Comma})
	if err != nil {
		return nil, nil, crm.E(op, crm.KindInvalid, "unreadable_file").With("detail", err.Error())
	}
	header, err := rd.Header()
	if err != nil {
		return nil, nil, crm.E(op, crm.KindInvalid, "unreadable_file").With("detail", err.Error())
	}
	rep.Encoding, rep.Comma, rep.Header = string(rd.Encoding()), string(rd.Comma()), header
	if rep.Mapping, err = checkMapping(opt.Type, header, opt.Mapping); err != nil {
		return nil, nil, err
	}
	return &csvSource{rd: rd, mapping: rep.Mapping}, rep, nil
}

// isVCard reports whether a file starts as a vCard file does.
func isVCard(br *bufio.Reader) bool {
	head, _ := br.Peek(512)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) >= 11 && strings.EqualFold(string(head[:11]), "BEGIN:VCARD")
}

type csvSource struct {
	rd      *csvfile.Reader
	mapping []string
}

func (s *csvSource) next() (row, string, error) {
	rec, line, err := s.rd.Next()
	var le *csvfile.LineError
	if errors.As(err, &le) {
		return row{line: le.Line}, le.Err.Error(), nil
	}
	return row{line: line, cells: rec, mapping: s.mapping}, "", err
}

// vcardSource reads contacts from vCards: each card becomes the row a CSV
// file of contacts would have, so that one handler imports both.
type vcardSource struct {
	dec *vcard.Decoder
}

func (s *vcardSource) next() (row, string, error) {
	card, err := s.dec.Next()
	var ce *vcard.CardError
	if errors.As(err, &ce) {
		return row{line: ce.Line}, ce.Error(), nil
	}
	if err != nil {
		return row{}, "", err
	}
	r := cardRow(card)
	r.line = s.dec.Line()
	return r, "", nil
}

// cardRow is a vCard as a row of contact fields.
func cardRow(c *vcard.Card) row {
	v := map[string]string{
		"display_name": c.FormattedName, "family_name": c.FamilyName, "given_name": c.GivenName,
		"birthday": c.Birthday, "preferred_language": c.Lang, "company": c.Org, "title": c.Title, "note": c.Note,
		"tags": strings.Join(c.Categories, ","), "external_id": c.UID,
	}
	switch strings.ToUpper(c.Gender) {
	case "F":
		v["gender"] = "female"
	case "M":
		v["gender"] = "male"
	case "O":
		v["gender"] = "other"
	}
	var emails, phones, mobiles []string
	for _, e := range c.Emails {
		emails = append(emails, e.Address)
	}
	for _, p := range c.Phones {
		// the row separates numbers by ";", so an RFC 3966 extension is
		// written as people do
		n := strings.Replace(p.Number, ";ext=", " #", 1)
		if hasType(p.Types, "cell") {
			mobiles = append(mobiles, n)
		} else {
			phones = append(phones, n)
		}
	}
	v["email"], v["phone"], v["mobile"] = strings.Join(emails, ";"), strings.Join(phones, ";"), strings.Join(mobiles, ";")
	if len(c.Addresses) > 0 {
		a := c.Addresses[0]
		v["street"], v["city"], v["region"], v["postal_code"], v["country"] = a.Street, a.Locality, a.Region, a.PostalCode, a.Country
	}
	fields := Fields(Contacts)
	cells := make([]string, len(fields))
	for i, f := range fields {
		cells[i] = v[f]
	}
	return row{cells: cells, mapping: fields}
}

func hasType(types []string, t string) bool {
	for _, x := range types {
		if strings.EqualFold(x, t) {
			return true
		}
	}
	return false
}
