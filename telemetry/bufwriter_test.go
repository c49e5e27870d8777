package telemetry

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type countingWriter struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	return c.b.Write(p)
}

func TestBufferedWriterBatchesWholeLines(t *testing.T) {
	t.Parallel()
	var cw countingWriter
	b := NewBufferedWriter(&cw, 100, time.Hour)
	line := strings.Repeat("x", 29) + "\n" // 30 bytes
	for range 10 {
		if _, err := b.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	cw.mu.Lock()
	if cw.writes != 3 || cw.b.Len() != 270 {
		t.Errorf("after 10 lines: %d writes, %d bytes; want 3 writes of 3 whole lines", cw.writes, cw.b.Len())
	}
	cw.mu.Unlock()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if cw.b.String() != strings.Repeat(line, 10) {
		t.Errorf("lines lost or split: %q", cw.b.String())
	}
}

func TestBufferedWriterFlushesOnInterval(t *testing.T) {
	t.Parallel()
	var cw countingWriter
	b := NewBufferedWriter(&cw, 1<<16, 10*time.Millisecond)
	defer b.Close()
	_, _ = b.Write([]byte("one\n"))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		cw.mu.Lock()
		n := cw.b.Len()
		cw.mu.Unlock()
		if n == 4 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the line was not flushed by the interval")
}
