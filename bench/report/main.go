// Command report turns the JSON lines scripts/bench-peers.sh collects into
// the Markdown rows docs/BENCHMARKS.md records: per round each contender's
// req/s and p99 and the ratios of ours to the seed samples; then per
// contender and per ratio the median with its min–max; the cold starts and
// the bytes per upload. It reads the lines from a file or stdin:
//
//	{"kind":"run","round":1,"pos":2,"name":"ours-v4","load":{…bench/load's line…}}
//	{"kind":"cold","name":"ours post-signature","cold":{…bench/coldstart's line…}}
//	{"kind":"bytes","name":"…","bytes":{…bench/proxybytes' line…}}
//
// Ratios are taken within a round (the contenders of a round ran minutes
// apart at most), so a busy moment of the machine moves both sides. When the
// lines carry the server's CPU share it also reports req/s per server
// CPU-second (req/s ÷ share) and its ratios: on a machine others use too, a
// server that got half its core shows half the req/s but the same
// requests per CPU-second.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
)

type line struct {
	Kind  string `json:"kind"`
	Round int    `json:"round"`
	Pos   int    `json:"pos"`
	Name  string `json:"name"`
	// CPUShare is the server's CPU time over the run divided by its wall
	// time (1.0: it had one core to itself); 0 when not measured.
	CPUShare float64 `json:"cpu_share"`
	GenShare float64 `json:"gen_share"` // the load generator's, likewise
	Load     struct {
		RPS          float64 `json:"rps"`
		P50          float64 `json:"p50_ms"`
		P99          float64 `json:"p99_ms"`
		Max          float64 `json:"max_ms"`
		Errors       int64   `json:"errors"`
		WarmupErrors int64   `json:"warmup_errors"`
	} `json:"load"`
	Cold struct {
		Runs      int     `json:"runs"`
		Median    float64 `json:"median_ms"`
		Min       float64 `json:"min_ms"`
		Max       float64 `json:"max_ms"`
		ExecFloor float64 `json:"exec_floor_ms"`
	} `json:"cold"`
	Bytes struct {
		What     string `json:"what"`
		FileSize int64  `json:"file_bytes"`
		Total    int64  `json:"through_server_bytes"`
	} `json:"bytes"`
}

type names []string

func (n *names) String() string     { return strings.Join(*n, ",") }
func (n *names) Set(s string) error { *n = append(*n, s); return nil }

func main() {
	var ours, bases names
	flag.Var(&ours, "ours", "contender whose ratio to each -base is reported (repeatable) [ours-v4, ours-seed]")
	flag.Var(&bases, "base", "contender the ratios divide by (repeatable) [node-seed, go-seed]")
	flag.Parse()
	if len(ours) == 0 {
		ours = names{"ours-v4", "ours-seed"}
	}
	if len(bases) == 0 {
		bases = names{"node-seed", "go-seed"}
	}
	in := io.Reader(os.Stdin)
	if flag.NArg() > 0 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	var lines []line
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			fmt.Fprintf(os.Stderr, "report: %v in %q\n", err, sc.Text())
			os.Exit(1)
		}
		lines = append(lines, l)
	}
	write(os.Stdout, lines, ours, bases)
}

// spread is "median (min–max)" of v, formatted by f.
func spread(v []float64, f func(float64) string) string {
	if len(v) == 0 {
		return "—"
	}
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return fmt.Sprintf("%s (%s–%s)", f(med), f(s[0]), f(s[n-1]))
}

func rps(v float64) string { return thousands(int64(math.Round(v))) }
func msf(v float64) string { return fmt.Sprintf("%.2f ms", v) }
func ratio(v float64) string {
	return fmt.Sprintf("%.2f×", v)
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func write(w io.Writer, lines []line, ours, bases []string) {
	var contenders []string
	rounds := map[int]map[string]line{}
	var roundNums []int
	var errs int64
	for _, l := range lines {
		if l.Kind != "run" {
			continue
		}
		if !slices.Contains(contenders, l.Name) {
			contenders = append(contenders, l.Name)
		}
		if rounds[l.Round] == nil {
			rounds[l.Round] = map[string]line{}
			roundNums = append(roundNums, l.Round)
		}
		rounds[l.Round][l.Name] = l
		errs += l.Load.Errors + l.Load.WarmupErrors
	}
	slices.Sort(roundNums)
	type pair struct{ num, den string }
	var pairs []pair
	for _, o := range ours {
		for _, b := range bases {
			if slices.Contains(contenders, o) && slices.Contains(contenders, b) {
				pairs = append(pairs, pair{o, b})
			}
		}
	}
	if len(roundNums) > 0 {
		fmt.Fprintln(w, "Per round (req/s, p99, CPU share of the server/the load generator; the order the contenders ran in; ratios of req/s within the round):")
		fmt.Fprintln(w)
		fmt.Fprint(w, "| round | order |")
		for _, c := range contenders {
			fmt.Fprintf(w, " %s |", c)
		}
		for _, p := range pairs {
			fmt.Fprintf(w, " %s / %s |", p.num, p.den)
		}
		fmt.Fprintln(w)
		fmt.Fprint(w, "|---:|---|")
		fmt.Fprint(w, strings.Repeat("---:|", len(contenders)+len(pairs)))
		fmt.Fprintln(w)
		perC := map[string][]float64{}
		perP99 := map[string][]float64{}
		perPair := map[pair][]float64{}
		perCPU := map[string][]float64{}
		perPairCPU := map[pair][]float64{}
		for _, r := range roundNums {
			byName := rounds[r]
			order := slices.Clone(contenders)
			slices.SortFunc(order, func(a, b string) int { return byName[a].Pos - byName[b].Pos })
			fmt.Fprintf(w, "| %d | %s |", r, strings.Join(order, " → "))
			for _, c := range contenders {
				l, ok := byName[c]
				if !ok {
					fmt.Fprint(w, " — |")
					continue
				}
				perC[c] = append(perC[c], l.Load.RPS)
				perP99[c] = append(perP99[c], l.Load.P99)
				if l.CPUShare > 0 {
					perCPU[c] = append(perCPU[c], l.Load.RPS/l.CPUShare)
					fmt.Fprintf(w, " %s, %.2f ms, cpu %.2f/%.2f |", rps(l.Load.RPS), l.Load.P99, l.CPUShare, l.GenShare)
				} else {
					fmt.Fprintf(w, " %s, %.2f ms |", rps(l.Load.RPS), l.Load.P99)
				}
			}
			for _, p := range pairs {
				n, okN := byName[p.num]
				d, okD := byName[p.den]
				if !okN || !okD || d.Load.RPS == 0 {
					fmt.Fprint(w, " — |")
					continue
				}
				v := n.Load.RPS / d.Load.RPS
				perPair[p] = append(perPair[p], v)
				if n.CPUShare > 0 && d.CPUShare > 0 {
					perPairCPU[p] = append(perPairCPU[p], (n.Load.RPS/n.CPUShare)/(d.Load.RPS/d.CPUShare))
				}
				fmt.Fprintf(w, " %s |", ratio(v))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Medians over %d rounds (min–max); errors in all runs, warm-ups included: %d\n\n", len(roundNums), errs)
		fmt.Fprintln(w, "| contender | req/s | p99 | req per server CPU-second |")
		fmt.Fprintln(w, "|---|---:|---:|---:|")
		for _, c := range contenders {
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", c, spread(perC[c], rps), spread(perP99[c], msf), spread(perCPU[c], rps))
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| ratio | of req/s, median (min–max) | of req per server CPU-second |")
		fmt.Fprintln(w, "|---|---:|---:|")
		for _, p := range pairs {
			fmt.Fprintf(w, "| %s / %s | %s | %s |\n", p.num, p.den, spread(perPair[p], ratio), spread(perPairCPU[p], ratio))
		}
		fmt.Fprintln(w)
	}
	var cold []line
	for _, l := range lines {
		if l.Kind == "cold" {
			cold = append(cold, l)
		}
	}
	if len(cold) > 0 {
		fmt.Fprintln(w, "Cold start, exec to the first 200:")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| server | runs | median | min–max | exec of /bin/true (median) |")
		fmt.Fprintln(w, "|---|---:|---:|---|---:|")
		for _, l := range cold {
			fmt.Fprintf(w, "| %s | %d | %.1f ms | %.1f–%.1f ms | %.1f ms |\n", l.Name, l.Cold.Runs, l.Cold.Median, l.Cold.Min, l.Cold.Max, l.Cold.ExecFloor)
		}
		fmt.Fprintln(w)
	}
	var by []line
	for _, l := range lines {
		if l.Kind == "bytes" {
			by = append(by, l)
		}
	}
	if len(by) > 0 {
		fmt.Fprintln(w, "Bytes through the server (request + answer, counted on the wire):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| what | file | through the server |")
		fmt.Fprintln(w, "|---|---:|---:|")
		for _, l := range by {
			file := "—"
			if l.Bytes.FileSize > 0 {
				file = thousands(l.Bytes.FileSize) + " B"
			}
			fmt.Fprintf(w, "| %s | %s | %s B |\n", l.Name, file, thousands(l.Bytes.Total))
		}
		fmt.Fprintln(w)
	}
}
