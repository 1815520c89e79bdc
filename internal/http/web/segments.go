package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

// The segments: the list, and a segment's page with its size, its rule,
// its members a page at a time and who entered and left lately. Anyone
// signed in reads them (members only among the customers they may read);
// admins and managers create and change them (segment_form.go), and anyone
// who may write refreshes one.

const (
	// segmentMembersPageSize is how many members a page shows.
	segmentMembersPageSize = 50
	// segmentChangesShown is how many recent entries and exits show.
	segmentChangesShown = 20
)

type segmentsPage struct {
	page
	Items     []*segment.Segment
	CanManage bool
}

func (h *Web) segmentsPage(w http.ResponseWriter, r *http.Request) error {
	segs, err := h.deps.Segments.List(r.Context())
	if err != nil {
		return err
	}
	data := &segmentsPage{page: h.page(r, "segments.title"), Items: segs, CanManage: canManageSegments(principal(r.Context()))}
	data.Nav = "segments"
	h.render(w, r, http.StatusOK, "segments", "page", data)
	return nil
}

type segmentPage struct {
	page
	S          *segment.Segment
	CanManage  bool
	CanRefresh bool
	Refreshed  bool
	Members    []*customer.Contact
	Cursor     string
	NextURL    string
	FirstURL   string
	Changes    []*segment.MemberChange
}

func (h *Web) segmentPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	seg, err := h.deps.Segments.Get(r.Context(), id)
	if err != nil {
		return err
	}
	cursor := r.URL.Query().Get("cursor")
	members, err := h.deps.Segments.Members(r.Context(), id, cursor, segmentMembersPageSize)
	if err != nil {
		return err
	}
	p := principal(r.Context())
	data := &segmentPage{page: h.page(r, ""), S: seg, CanManage: canManageSegments(p), CanRefresh: p.CanWrite(),
		Refreshed: r.URL.Query().Get("refreshed") == "1", Members: members.Items, Cursor: cursor}
	data.Nav = "segments"
	if members.Next != "" {
		data.NextURL = segmentURL(id, members.Next)
	}
	if cursor != "" {
		data.FirstURL = segmentURL(id, "")
	}
	if isFragment(r) && r.Header.Get("HX-Target") == "members" {
		h.render(w, r, http.StatusOK, "segment", "members", data)
		return nil
	}
	changes, err := h.deps.Segments.Changes(r.Context(), id, "", segmentChangesShown)
	if err != nil {
		return err
	}
	data.Changes = changes.Items
	h.render(w, r, http.StatusOK, "segment", "page", data)
	return nil
}

// segmentURL is the address of a page of a segment's members.
func segmentURL(id int64, cursor string) string {
	u := "/segments/" + strconv.FormatInt(id, 10)
	if cursor != "" {
		u += "?cursor=" + url.QueryEscape(cursor)
	}
	return u
}

// refreshSegment evaluates the segment's membership now.
func (h *Web) refreshSegment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := h.deps.Segments.Refresh(r.Context(), id); err != nil {
		return err
	}
	seeOther(w, r, "/segments/"+strconv.FormatInt(id, 10)+"?refreshed=1")
	return nil
}

// deleteSegment removes a segment with its members and history.
func (h *Web) deleteSegment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.deps.Segments.Delete(r.Context(), id); err != nil {
		return err
	}
	seeOther(w, r, "/segments")
	return nil
}
