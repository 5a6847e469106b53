package inspect

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
)

// DisplayToken returns a short printable label of token id: its text quoted
// as a Go string (so spaces and newlines show), or "<id N>".
func (u *Unembedding) DisplayToken(id int) string {
	if s := u.Text(id); s != nil {
		return strconv.Quote(*s)
	}
	return fmt.Sprintf("<id %d>", id)
}

// cellLabel is the text shown inside a heatmap cell: the raw token text
// (visible spaces as ·), or the id.
func (u *Unembedding) cellLabel(id int) string {
	s := u.Text(id)
	if s == nil {
		return strconv.Itoa(id)
	}
	t := strings.ToValidUTF8(*s, "\uFFFD")
	t = strings.NewReplacer(" ", "·", "\n", "↵", "\t", "→").Replace(t)
	if r := []rune(t); len(r) > 9 {
		t = string(r[:8]) + "…"
	}
	return t
}

type htmlCell struct {
	Label, Title               string
	Prob, Entropy, KL, TargetP float64
	HasTarget, Correct         bool
	Style                      template.CSS
}

type htmlRow struct {
	Name  string
	Cells []htmlCell
}

type htmlPage struct {
	Title         string
	Rows          []htmlRow
	Inputs, Nexts []string
	MaxEntropy    float64
	MaxKL         float64
	Positions     int
	Layers        int
}

// WriteLensHTML writes r as one self-contained HTML page (no scripts or
// styles from the network): a layer × position heatmap labelled with each
// cell's top token, coloured by its probability (or, selectable on the
// page, by entropy, KL from the final layer, or the target's probability),
// with the full details of a cell in its tooltip.
func WriteLensHTML(w io.Writer, r *LensReport, title string) error {
	u := r.u
	L := len(r.Cells) - 1
	T := len(r.IDs)
	pg := htmlPage{Title: title, Positions: T, Layers: L, MaxEntropy: math.Log(float64(u.V))}
	for _, row := range r.Cells {
		for _, c := range row {
			pg.MaxKL = max(pg.MaxKL, c.KL)
		}
	}
	for t, id := range r.IDs {
		pg.Inputs = append(pg.Inputs, u.cellLabel(id))
		next := ""
		if c := r.Cells[L][t]; c.Target != nil {
			next = u.cellLabel(c.Target.ID)
		}
		pg.Nexts = append(pg.Nexts, next)
	}
	for l := L; l >= 0; l-- {
		name := strconv.Itoa(l)
		if l == 0 {
			name = "emb"
		}
		row := htmlRow{Name: name}
		for t, c := range r.Cells[l] {
			var hc htmlCell
			var b strings.Builder
			fmt.Fprintf(&b, "layer %s, position %d, input %s\n", name, t, u.DisplayToken(r.IDs[t]))
			for _, s := range c.Top {
				fmt.Fprintf(&b, "%-12s p=%.4f logit=%.3f\n", u.DisplayToken(s.ID), s.Prob, s.Logit)
			}
			fmt.Fprintf(&b, "entropy %.3f nats, KL(final||layer) %.4f nats, |h| %.3f", c.Entropy, c.KL, c.HNorm)
			if len(c.Top) > 0 {
				hc.Label = u.cellLabel(c.Top[0].ID)
				hc.Prob = c.Top[0].Prob
			}
			if c.Target != nil {
				fmt.Fprintf(&b, "\ntarget %s: rank %d, p=%.4g", u.DisplayToken(c.Target.ID), c.Target.Rank, c.Target.Prob)
				hc.HasTarget, hc.TargetP = true, c.Target.Prob
				hc.Correct = c.Target.Rank == 1
			}
			hc.Title, hc.Entropy, hc.KL = b.String(), c.Entropy, c.KL
			hc.Style = template.CSS(colour(hc.Prob))
			row.Cells = append(row.Cells, hc)
		}
		pg.Rows = append(pg.Rows, row)
	}
	return lensPage.Execute(w, pg)
}

// colour maps x in [0, 1] to a background on a white → dark blue scale,
// with a text colour that stays readable.
func colour(x float64) string {
	x = min(max(x, 0), 1)
	r := int(247 - x*(247-8))
	g := int(251 - x*(251-48))
	b := int(255 - x*(255-107))
	fg := "#111"
	if x > 0.55 {
		fg = "#fff"
	}
	return fmt.Sprintf("background:rgb(%d,%d,%d);color:%s", r, g, b, fg)
}

var lensPage = template.Must(template.New("lens").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Logit lens: {{.Title}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:20px;color:#222}
h1{font-size:18px;margin:0 0 4px}
p.sub{margin:0 0 12px;color:#555;font-size:13px}
table{border-collapse:collapse;font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px}
td,th{border:1px solid #fff;padding:0;text-align:center;white-space:nowrap}
td.c{min-width:62px;height:26px;padding:0 3px}
td.c.ok{outline:2px solid #d62728;outline-offset:-3px;font-weight:bold}
th{font-weight:normal;color:#444;padding:2px 6px}
th.layer{text-align:right}
th.axis{color:#888;font-style:italic}
tr.inputs th,tr.nexts th{background:#f2f2f2}
.controls{margin:0 0 10px;font-size:13px}
.legend{display:flex;align-items:center;gap:6px;font-size:12px;margin-top:10px}
.bar{width:240px;height:12px;background:linear-gradient(to right,rgb(247,251,255),rgb(8,48,107))}
</style></head><body>
<h1>Logit lens: {{.Title}}</h1>
<p class="sub">Each cell is softmax(E · ln_f(x)) for the residual stream x after a layer (emb = after the embeddings; {{.Layers}} = the model's own output) at one position, labelled with its most likely token. A red frame marks the cells whose top token is the target (the next input token, or --target). Hover a cell for its top tokens. Open the page with #h, #kl or #t to start with another colouring.</p>
<div class="controls">Colour by:
<label><input type="radio" name="m" value="p" checked> top-token probability</label>
<label><input type="radio" name="m" value="h"> entropy</label>
<label><input type="radio" name="m" value="kl"> KL(final ‖ layer)</label>
<label><input type="radio" name="m" value="t"> target probability</label>
</div>
<table>
<tr class="nexts"><th class="axis">target →</th>{{range .Nexts}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><th class="layer">{{.Name}}</th>{{range .Cells}}<td class="c{{if .Correct}} ok{{end}}" style="{{.Style}}" title="{{.Title}}" data-p="{{.Prob}}" data-h="{{.Entropy}}" data-kl="{{.KL}}"{{if .HasTarget}} data-t="{{.TargetP}}"{{end}}>{{.Label}}</td>{{end}}</tr>
{{end}}<tr class="inputs"><th class="axis">input →</th>{{range .Inputs}}<th>{{.}}</th>{{end}}</tr>
</table>
<div class="legend"><span id="lo">0</span><div class="bar"></div><span id="hi">1</span><span id="what">top-token probability</span></div>
<script>
(function(){
var maxH={{.MaxEntropy}}, maxKL={{.MaxKL}};
var scales={p:[1,"top-token probability"],h:[maxH,"entropy (nats), max log V"],kl:[maxKL||1,"KL(final ‖ layer), nats"],t:[1,"target probability"]};
function colour(x){x=Math.min(Math.max(x,0),1);
 var r=Math.round(247-x*239),g=Math.round(251-x*203),b=Math.round(255-x*148);
 return ["rgb("+r+","+g+","+b+")", x>0.55?"#fff":"#111"];}
function paint(m){var s=scales[m];
 document.querySelectorAll("td.c").forEach(function(td){
  var v=td.dataset[m];
  if(v===undefined){td.style.background="#eee";td.style.color="#999";return;}
  var c=colour(parseFloat(v)/s[0]);td.style.background=c[0];td.style.color=c[1];});
 document.getElementById("hi").textContent=(+s[0].toFixed(3)).toString();
 document.getElementById("what").textContent=s[1];}
document.querySelectorAll("input[name=m]").forEach(function(e){e.addEventListener("change",function(){paint(e.value);});});
var h=location.hash.slice(1);if(scales[h]){document.querySelector("input[value="+h+"]").checked=true;paint(h);}
})();
</script>
</body></html>
`))
