package heap

import "testing"

var sink []byte

func TestPeakGrowthSeesAnAllocation(t *testing.T) {
	const size = 64 << 20
	growth := PeakGrowth(func() {
		sink = make([]byte, size)
		for i := range sink {
			sink[i] = 1
		}
	})
	sink = nil
	if growth < size || growth > 2*size {
		t.Errorf("peak growth %d MiB, want about %d MiB", growth>>20, size>>20)
	}
	if small := PeakGrowth(func() {}); small > 8<<20 {
		t.Errorf("peak growth of nothing: %d MiB", small>>20)
	}
}
