package bench

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"
)

// memorySampler follows the memory of the process (server and clients
// together) while the run lasts: every 50 ms its resident set (VmRSS) and
// the Go runtime's figures (runtime/metrics); and its peak resident set
// (VmHWM), which the kernel keeps exactly and lets a process reset between
// phases (writing 5 to /proc/self/clear_refs).
type memorySampler struct {
	mu    sync.Mutex
	run   peaks // of the whole run
	cur   peaks // of the current phase
	row   peaks // of the current measurement
	hwmOK bool  // VmHWM was reset at the start of the current phase
	// profile, when set, holds the heap profile taken when the Go heap
	// was highest since profiling began (profiledHeap).
	profile      *bytes.Buffer
	profiledHeap int64
	done         chan struct{}
	wg           sync.WaitGroup
}

// peaks are the highest figures seen, in bytes: rss is the sampled resident
// set; hwm the kernel's peak (VmHWM), 0 when unknown; heap the Go heap's
// objects (/memory/classes/heap/objects:bytes); goInUse the memory the Go
// runtime holds (/memory/classes/total:bytes less what it has released to
// the system).
type peaks struct{ rss, hwm, heap, goInUse int64 }

func (p *peaks) raise(rss, heap, inUse int64) {
	p.rss, p.heap, p.goInUse = max(p.rss, rss), max(p.heap, heap), max(p.goInUse, inUse)
}

var memoryMetrics = []string{"/memory/classes/heap/objects:bytes", "/memory/classes/total:bytes", "/memory/classes/heap/released:bytes"}

func startMemorySampler() *memorySampler {
	s := &memorySampler{done: make(chan struct{}), hwmOK: os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil}
	s.wg.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	})
	return s
}

func (s *memorySampler) sample() {
	samples := make([]metrics.Sample, len(memoryMetrics))
	for i, name := range memoryMetrics {
		samples[i].Name = name
	}
	metrics.Read(samples)
	heap := int64(samples[0].Value.Uint64())
	inUse := int64(samples[1].Value.Uint64()) - int64(samples[2].Value.Uint64())
	rss := vmRSS()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.profile != nil && heap > s.profiledHeap+s.profiledHeap/20 {
		// A new high: keep the heap profile of this moment (as of the
		// last collection).
		s.profiledHeap = heap
		s.profile.Reset()
		_ = pprof.Lookup("heap").WriteTo(s.profile, 0)
	}
	s.run.raise(rss, heap, inUse)
	s.cur.raise(rss, heap, inUse)
	s.row.raise(rss, heap, inUse)
}

// phase ends a phase and starts the next: it returns the phase's peaks.
func (s *memorySampler) phase() peaks {
	s.sample()
	hwm := vmHWM()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.cur
	if s.hwmOK {
		p.hwm = hwm
	}
	s.run.hwm = max(s.run.hwm, hwm)
	s.cur = peaks{}
	s.hwmOK = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	return p
}

// profileHeap starts keeping the heap profile of the highest heap from now
// on.
func (s *memorySampler) profileHeap() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.profile, s.profiledHeap = new(bytes.Buffer), 0
}

// heapProfile writes the heap profile kept.
func (s *memorySampler) heapProfile(w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.profile == nil {
		return nil
	}
	_, err := w.Write(s.profile.Bytes())
	return err
}

// startRow starts a measurement's peaks; endRow returns them.
func (s *memorySampler) startRow() {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.row = peaks{}
}

func (s *memorySampler) endRow() peaks {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.row
}

func (s *memorySampler) stop() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.wg.Wait()
}

// record fills in the peaks of the build and the serving phases and of the
// run.
func (m *Memory) record(s *memorySampler, build, serve peaks) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m.PeakRSS = max(s.run.hwm, s.run.rss)
	m.BuildPeakRSS, m.ServePeakRSS = orSampled(build), orSampled(serve)
	m.GoHeapPeak, m.GoInUsePeak = s.run.heap, s.run.goInUse
	m.GoHeapServePeak, m.GoInUseServePeak = serve.heap, serve.goInUse
	var st runtime.MemStats
	runtime.ReadMemStats(&st)
	m.GCCycles = uint64(st.NumGC)
}

// orSampled is a phase's peak resident set: the kernel's, or the highest
// sampled when the kernel's could not be reset.
func orSampled(p peaks) int64 {
	if p.hwm > 0 {
		return p.hwm
	}
	return p.rss
}

// liveHeap collects garbage and returns the bytes of live heap objects.
func liveHeap() int64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// vmRSS reads the process's resident set size.
func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseInt(f[1], 10, 64)
	return n * int64(os.Getpagesize())
}

// vmHWM reads the process's peak resident set size.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) >= 1 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n << 10 // kB
			}
		}
	}
	return 0
}
