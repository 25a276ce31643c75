//! Layout (lines, wrapping, page breaks) into positioned operations, then PDF/A-2b output with krilla.

use std::sync::OnceLock;

use chrono::{Datelike, Timelike};
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime as PdfDate, Metadata};
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::{Font, TextDirection};
use krilla::{Document as PdfDocument, SerializeSettings};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};
use unicode_normalization::UnicodeNormalization;

use crate::Error;
use crate::model::{Align, Block, Column, Document, Signer, Span};

const MM: f32 = 72.0 / 25.4;
/// A4 in points.
pub const PAGE_W: f32 = 210.0 * MM;
pub const PAGE_H: f32 = 297.0 * MM;
/// Decree 30/2020, Appendix I, I.5: top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm.
const LEFT: f32 = 30.0 * MM;
const RIGHT: f32 = 20.0 * MM;
const TOP: f32 = 20.0 * MM;
const BOTTOM: f32 = 20.0 * MM;
/// Body text size (Decree 30: 13-14 pt) and line height (single spacing plus a little).
const BODY: f32 = 13.0;
const LEADING: f32 = 1.25;
const PARA_GAP: f32 = 4.0;
const TABLE_SIZE: f32 = 12.0;
/// Room left for a handwritten signature and seal.
const SIGN_ROOM: f32 = 22.0 * MM;

static REGULAR: &[u8] = include_bytes!("../fonts/LiberationSerif-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/LiberationSerif-Bold.ttf");
static ITALIC: &[u8] = include_bytes!("../fonts/LiberationSerif-Italic.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    Regular,
    Bold,
    Italic,
}

impl Face {
    fn of(span: &Span) -> Face {
        if span.bold {
            Face::Bold
        } else if span.italic {
            Face::Italic
        } else {
            Face::Regular
        }
    }
    fn bytes(self) -> &'static [u8] {
        match self {
            Face::Regular => REGULAR,
            Face::Bold => BOLD,
            Face::Italic => ITALIC,
        }
    }
}

struct Metrics {
    fonts: [FontRef<'static>; 3],
    upem: [f32; 3],
}

fn metrics() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(|| {
        let f = |b: &'static [u8]| FontRef::new(b).expect("bundled font parses");
        let fonts = [f(REGULAR), f(BOLD), f(ITALIC)];
        let upem = fonts.each_ref().map(|f| {
            f.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em as f32
        });
        Metrics { fonts, upem }
    })
}

fn has_glyph(c: char) -> bool {
    metrics().fonts[0].charmap().map(c).is_some()
}

/// Text width in points (advance widths, no kerning).
fn text_width(face: Face, size: f32, text: &str) -> f32 {
    let m = metrics();
    let i = face as usize;
    let font = &m.fonts[i];
    let cmap = font.charmap();
    let gm = font.glyph_metrics(Size::unscaled(), LocationRef::default());
    let units: f32 = text
        .chars()
        .map(|c| cmap.map(c).and_then(|g| gm.advance_width(g)).unwrap_or(0.0))
        .sum();
    units / m.upem[i] * size
}

/// NFC, tabs and odd spaces to plain spaces, characters the font lacks to '?'
/// (PDF/A forbids the .notdef glyph).
fn clean(text: &str) -> String {
    text.nfc()
        .map(|c| match c {
            '\t' | '\u{a0}' | '\u{2007}' | '\u{202f}' => ' ',
            '\n' | ' ' => c,
            c if c.is_control() => ' ',
            c if has_glyph(c) => c,
            _ => '?',
        })
        .collect()
}

/// A positioned drawing operation; y grows downwards from the top of the page.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    Text {
        x: f32,
        y: f32,
        face: Face,
        size: f32,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// Filled rectangles (x, y, w, h), e.g. a QR code's modules.
    Boxes(Vec<(f32, f32, f32, f32)>),
}

/// A word (or glued words) of one face.
#[derive(Debug, Clone)]
struct Piece {
    face: Face,
    text: String,
    width: f32,
}

/// One laid-out line: groups separated by spaces; each group is pieces glued together.
#[derive(Debug, Clone, Default)]
struct Line {
    groups: Vec<Vec<Piece>>,
    /// Paragraph's last line or a forced break: never justified.
    last: bool,
}

fn group_width(g: &[Piece]) -> f32 {
    g.iter().map(|p| p.width).sum()
}

/// Breaks spans into lines; line `i` is at most `width(i)` wide.
fn wrap(spans: &[Span], size: f32, width: impl Fn(usize) -> f32) -> Vec<Line> {
    // Tokenise into groups; a group ends at a space; '\n' forces a break.
    enum Tok {
        Group(Vec<Piece>),
        Break,
    }
    let mut toks: Vec<Tok> = vec![];
    let mut cur: Vec<Piece> = vec![];
    let flush = |cur: &mut Vec<Piece>, toks: &mut Vec<Tok>| {
        if !cur.is_empty() {
            toks.push(Tok::Group(std::mem::take(cur)));
        }
    };
    for span in spans {
        let face = Face::of(span);
        let text = clean(&span.text);
        let mut word = String::new();
        let push_word = |word: &mut String, cur: &mut Vec<Piece>| {
            if !word.is_empty() {
                let w = std::mem::take(word);
                cur.push(Piece {
                    face,
                    width: text_width(face, size, &w),
                    text: w,
                });
            }
        };
        for c in text.chars() {
            match c {
                ' ' => {
                    push_word(&mut word, &mut cur);
                    flush(&mut cur, &mut toks);
                }
                '\n' => {
                    push_word(&mut word, &mut cur);
                    flush(&mut cur, &mut toks);
                    toks.push(Tok::Break);
                }
                c => word.push(c),
            }
        }
        push_word(&mut word, &mut cur);
    }
    flush(&mut cur, &mut toks);

    let space = text_width(Face::Regular, size, " ");
    let mut lines: Vec<Line> = vec![];
    let mut line = Line::default();
    let mut used = 0.0;
    let max = |lines: &Vec<Line>| width(lines.len());
    for tok in toks {
        let group = match tok {
            Tok::Break => {
                line.last = true;
                lines.push(std::mem::take(&mut line));
                used = 0.0;
                continue;
            }
            Tok::Group(g) => g,
        };
        let w = group_width(&group);
        let need = if line.groups.is_empty() {
            w
        } else {
            used + space + w
        };
        if need <= max(&lines) {
            used = need;
            line.groups.push(group);
            continue;
        }
        if !line.groups.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if w <= max(&lines) {
            used = w;
            line.groups.push(group);
            continue;
        }
        // Longer than a whole line: cut it character by character.
        let mut chunk = Line::default();
        let mut cw = 0.0;
        let mut piece = Piece {
            face: group[0].face,
            text: String::new(),
            width: 0.0,
        };
        for p in group {
            if p.face != piece.face && !piece.text.is_empty() {
                let done = std::mem::replace(
                    &mut piece,
                    Piece {
                        face: p.face,
                        text: String::new(),
                        width: 0.0,
                    },
                );
                push_piece(&mut chunk, done);
            }
            piece.face = p.face;
            for c in p.text.chars() {
                let cwid = text_width(p.face, size, &c.to_string());
                if cw + cwid > max(&lines) && cw > 0.0 {
                    let done = std::mem::replace(
                        &mut piece,
                        Piece {
                            face: p.face,
                            text: String::new(),
                            width: 0.0,
                        },
                    );
                    push_piece(&mut chunk, done);
                    lines.push(std::mem::take(&mut chunk));
                    cw = 0.0;
                }
                piece.text.push(c);
                piece.width += cwid;
                cw += cwid;
            }
        }
        push_piece(&mut chunk, piece);
        used = cw;
        line = chunk;
    }
    line.last = true;
    lines.push(line);
    lines
}

fn push_piece(line: &mut Line, p: Piece) {
    if p.text.is_empty() {
        return;
    }
    match line.groups.last_mut() {
        Some(g) => g.push(p),
        None => line.groups.push(vec![p]),
    }
}

/// The pages being filled.
struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
    /// Page height and text width (portrait or landscape A4).
    ph: f32,
    w: f32,
    /// A floating box at the right margin: (bottom y, width taken from the text).
    float: Option<(f32, f32)>,
}

impl Layout {
    fn new(landscape: bool) -> Self {
        let (pw, ph) = if landscape {
            (PAGE_H, PAGE_W)
        } else {
            (PAGE_W, PAGE_H)
        };
        Layout {
            pages: vec![vec![]],
            y: TOP,
            ph,
            w: pw - LEFT - RIGHT,
            float: None,
        }
    }
    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }
    fn new_page(&mut self) {
        self.pages.push(vec![]);
        self.float = None;
        // Room for the page number (Decree 30: from the second page, centred in the top margin).
        self.y = TOP;
    }
    /// Starts a new page unless `h` points still fit.
    fn ensure(&mut self, h: f32) {
        if self.y + h > self.ph - BOTTOM && self.y > TOP + 1.0 {
            self.new_page();
        }
    }

    /// Draws one line at baseline `y`, between `x` and `x + width`.
    fn draw_line(&mut self, line: &Line, x: f32, width: f32, y: f32, size: f32, align: Align) {
        let space = text_width(Face::Regular, size, " ");
        let natural: f32 = line.groups.iter().map(|g| group_width(g)).sum::<f32>()
            + space * line.groups.len().saturating_sub(1) as f32;
        let gaps = line.groups.len().saturating_sub(1);
        let (mut cx, gap) = match align {
            Align::Left => (x, space),
            Align::Center => (x + (width - natural) / 2.0, space),
            Align::Right => (x + width - natural, space),
            Align::Justify if line.last || gaps == 0 => (x, space),
            Align::Justify => (x, space + (width - natural) / gaps as f32),
        };
        if gap == space {
            // Merge into runs of one face so the text extracts with its spaces.
            let mut run: Option<(Face, String, f32)> = None;
            for (gi, g) in line.groups.iter().enumerate() {
                for (pi, p) in g.iter().enumerate() {
                    let sep = gi > 0 && pi == 0;
                    match &mut run {
                        Some((face, text, _)) if *face == p.face => {
                            if sep {
                                text.push(' ');
                            }
                            text.push_str(&p.text);
                        }
                        _ => {
                            if let Some((face, text, rx)) = run.take() {
                                let w = text_width(face, size, &text);
                                self.ops().push(Op::Text {
                                    x: rx,
                                    y,
                                    face,
                                    size,
                                    text,
                                });
                                cx = rx + w;
                            }
                            if sep {
                                cx += space;
                            }
                            run = Some((p.face, p.text.clone(), cx));
                        }
                    }
                }
            }
            if let Some((face, text, rx)) = run {
                self.ops().push(Op::Text {
                    x: rx,
                    y,
                    face,
                    size,
                    text,
                });
            }
        } else {
            for g in &line.groups {
                let mut px = cx;
                for p in g {
                    self.ops().push(Op::Text {
                        x: px,
                        y,
                        face: p.face,
                        size,
                        text: p.text.clone(),
                    });
                    px += p.width;
                }
                cx = px + gap;
            }
        }
    }

    /// Text width available to a line whose top is at `y` (less beside a floating QR code).
    fn width_at(&self, y: f32) -> f32 {
        match self.float {
            Some((bottom, taken)) if y < bottom => self.w - taken,
            _ => self.w,
        }
    }

    fn paragraph(&mut self, spans: &[Span], size: f32, align: Align, first_indent: f32, hang: f32) {
        let lh = size * LEADING;
        let y0 = self.y;
        let lines = wrap(spans, size, |i| {
            let ind = if i == 0 { first_indent } else { hang };
            self.width_at(y0 + i as f32 * lh) - ind
        });
        for (i, line) in lines.iter().enumerate() {
            self.ensure(lh);
            let ind = if i == 0 { first_indent } else { hang };
            let y = self.y + size;
            let w = self.width_at(self.y) - ind;
            self.draw_line(line, LEFT + ind, w, y, size, align);
            self.y += lh;
        }
        self.y += PARA_GAP;
    }

    /// Moves below a floating box.
    fn clear_float(&mut self) {
        if let Some((bottom, _)) = self.float.take() {
            self.y = self.y.max(bottom);
        }
    }

    fn table(&mut self, columns: &[Column], rows: &[Vec<String>]) {
        self.clear_float();
        let tw = self.w;
        let total: f32 = columns
            .iter()
            .map(|c| c.width.max(0.0))
            .sum::<f32>()
            .max(f32::EPSILON);
        let widths: Vec<f32> = columns
            .iter()
            .map(|c| c.width.max(0.0) / total * tw)
            .collect();
        let (pad_x, pad_y) = (4.0, 3.0);
        let size = TABLE_SIZE;
        let lh = size * LEADING;
        let layout_row = |cells: &[Span]| -> (Vec<Vec<Line>>, f32) {
            let lines: Vec<Vec<Line>> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    cells.get(i).map_or_else(Vec::new, |s| {
                        wrap(std::slice::from_ref(s), size, |_| w - 2.0 * pad_x)
                    })
                })
                .collect();
            let n = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
            (lines, n as f32 * lh + 2.0 * pad_y)
        };
        let header: Vec<Span> = columns
            .iter()
            .map(|c| Span::bold(c.title.clone()))
            .collect();
        let (head_lines, head_h) = layout_row(&header);
        let draw_row = |me: &mut Layout, lines: &[Vec<Line>], h: f32, header: bool| {
            let top = me.y;
            let mut x = LEFT;
            me.ops().push(Op::Line {
                x1: LEFT,
                y1: top,
                x2: LEFT + tw,
                y2: top,
                width: 0.6,
            });
            me.ops().push(Op::Line {
                x1: LEFT,
                y1: top + h,
                x2: LEFT + tw,
                y2: top + h,
                width: 0.6,
            });
            me.ops().push(Op::Line {
                x1: LEFT,
                y1: top,
                x2: LEFT,
                y2: top + h,
                width: 0.6,
            });
            for (i, w) in widths.iter().enumerate() {
                let align = if header {
                    Align::Center
                } else {
                    columns[i].align
                };
                for (li, line) in lines[i].iter().enumerate() {
                    let y = top + pad_y + li as f32 * lh + size;
                    me.draw_line(line, x + pad_x, w - 2.0 * pad_x, y, size, align);
                }
                x += w;
                me.ops().push(Op::Line {
                    x1: x,
                    y1: top,
                    x2: x,
                    y2: top + h,
                    width: 0.6,
                });
            }
            me.y = top + h;
        };
        self.ensure(head_h + lh + 2.0 * pad_y);
        draw_row(self, &head_lines, head_h, true);
        for row in rows {
            let cells: Vec<Span> = row.iter().map(|t| Span::plain(t.clone())).collect();
            let (lines, h) = layout_row(&cells);
            if self.y + h > self.ph - BOTTOM {
                self.new_page();
                draw_row(self, &head_lines, head_h, true);
            }
            draw_row(self, &lines, h, false);
        }
        self.y += PARA_GAP + 2.0;
    }

    /// A QR code floating at the right margin (text wraps beside it), its caption under it.
    fn qr(&mut self, payload: &str, caption: &[String]) -> Result<(), Error> {
        let code =
            qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
                .map_err(|e| Error::Input(format!("mã QR / QR code: {e}")))?;
        let n = code.width();
        let side = 28.0 * MM;
        let m = side / n as f32;
        self.ensure(side + 20.0);
        let x0 = LEFT + self.w - side;
        let y0 = self.y + 2.0;
        let colors = code.to_colors();
        let mut boxes = vec![];
        for r in 0..n {
            let mut c = 0;
            while c < n {
                if colors[r * n + c] == qrcode::Color::Dark {
                    let start = c;
                    while c < n && colors[r * n + c] == qrcode::Color::Dark {
                        c += 1;
                    }
                    boxes.push((
                        x0 + start as f32 * m,
                        y0 + r as f32 * m,
                        (c - start) as f32 * m,
                        m,
                    ));
                } else {
                    c += 1;
                }
            }
        }
        self.ops().push(Op::Boxes(boxes));
        let size = 9.0;
        let mut y = y0 + side + 2.0;
        let (cx, cw) = (x0 - 12.0, side + 24.0);
        for line in caption {
            for l in wrap(&[Span::italic(line.clone())], size, |_| cw) {
                self.draw_line(&l, cx, cw, y + size, size, Align::Center);
                y += size * 1.15;
            }
        }
        self.float = Some((y + 2.0, cw + 8.0));
        Ok(())
    }

    /// Lines centred in a column; returns the y below them.
    fn centred(&mut self, x: f32, w: f32, y: f32, spans: &[Span], size: f32) -> f32 {
        let mut y = y;
        for line in wrap(spans, size, |_| w) {
            self.draw_line(&line, x, w, y + size, size, Align::Center);
            y += size * LEADING;
        }
        y
    }

    fn header(&mut self, doc: &Document) {
        let h = &doc.header;
        if let Some(form) = &h.form {
            let size = 12.0;
            let text = clean(form);
            let w = text_width(Face::Italic, size, &text);
            let x = LEFT + self.w - w;
            self.ops().push(Op::Text {
                x,
                y: TOP - 6.0,
                face: Face::Italic,
                size,
                text,
            });
        }
        // Left block a little over a third, right block the rest (Decree 30, Appendix I, sample).
        let lw = self.w * 0.40 + 20.0;
        let lx = LEFT - 20.0;
        let rx = LEFT + self.w * 0.40;
        let rw = self.w * 0.60 + 10.0;
        let size = 12.5;
        let mut ly = self.y;
        if let Some(parent) = &h.parent {
            ly = self.centred(lx, lw, ly, &[Span::plain(parent.to_uppercase())], size);
        }
        let issuer = clean(&h.issuer.to_uppercase());
        // A citizen's declaration (a blank form) has no issuing body: the motto alone.
        if !issuer.is_empty() {
            ly = self.centred(lx, lw, ly, &[Span::bold(issuer.clone())], size);
            // A short rule under the issuing body: a third of its name, centred.
            let rule = (text_width(Face::Bold, size, &issuer).min(lw) / 3.0).max(30.0);
            let cx = lx + lw / 2.0;
            self.ops().push(Op::Line {
                x1: cx - rule / 2.0,
                y1: ly + 2.5,
                x2: cx + rule / 2.0,
                y2: ly + 2.5,
                width: 0.6,
            });
        }

        let mut ry = self.centred(
            rx,
            rw,
            self.y,
            &[Span::bold("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")],
            size,
        );
        let motto = "Độc lập - Tự do - Hạnh phúc";
        let msize = 13.0;
        ry = self.centred(rx, rw, ry, &[Span::bold(motto)], msize);
        let mw = text_width(Face::Bold, msize, motto);
        let mcx = rx + rw / 2.0;
        self.ops().push(Op::Line {
            x1: mcx - mw / 2.0,
            y1: ry + 1.5,
            x2: mcx + mw / 2.0,
            y2: ry + 1.5,
            width: 0.6,
        });

        let y = ly.max(ry) + 6.0;
        let mut bottom = y;
        if let Some(number) = &h.number {
            bottom = bottom.max(self.centred(lx, lw, y, &[Span::plain(number.clone())], 13.0));
        }
        if let Some(pd) = &h.place_date {
            bottom = bottom.max(self.centred(rx, rw, y, &[Span::italic(pd.clone())], 13.0));
        }
        self.y = bottom + 14.0;
    }

    fn title(&mut self, doc: &Document) {
        let size = 14.0;
        let title = clean(&doc.title.to_uppercase());
        let tw = self.w;
        let lines = wrap(&[Span::bold(title)], size, |_| tw);
        self.ensure(lines.len() as f32 * size * LEADING + 40.0);
        for line in lines {
            self.draw_line(&line, LEFT, self.w, self.y + size, size, Align::Center);
            self.y += size * LEADING;
        }
        for sub in &doc.subtitle {
            for line in wrap(&[Span::bold(sub.clone())], BODY, |_| tw) {
                self.draw_line(&line, LEFT, self.w, self.y + BODY, BODY, Align::Center);
                self.y += BODY * LEADING;
            }
        }
        self.y += 10.0;
    }

    fn block(&mut self, block: &Block) -> Result<(), Error> {
        match block {
            Block::Paragraph {
                spans,
                align,
                indent,
            } => self.paragraph(
                spans,
                BODY,
                *align,
                if *indent { 10.0 * MM } else { 0.0 },
                0.0,
            ),
            Block::Field { label, value } => {
                let spans = if value.trim().is_empty() {
                    vec![Span::plain(label.clone())]
                } else {
                    vec![Span::plain(format!("{label}: ")), Span::bold(value.clone())]
                };
                self.paragraph(&spans, BODY, Align::Left, 0.0, 0.0)
            }
            Block::Heading(text) => {
                self.ensure(BODY * LEADING * 3.0);
                self.y += 2.0;
                self.paragraph(&[Span::bold(text.clone())], BODY, Align::Left, 0.0, 0.0)
            }
            Block::Bullet(text) => {
                let hang = text_width(Face::Regular, BODY, "- ");
                self.paragraph(
                    &[Span::plain(format!("- {text}"))],
                    BODY,
                    Align::Justify,
                    0.0,
                    hang,
                )
            }
            Block::Table { columns, rows } => self.table(columns, rows),
            Block::Qr { payload, caption } => self.qr(payload, caption)?,
            Block::Note(text) => self.paragraph(
                &[Span::italic(text.clone())],
                11.0,
                Align::Justify,
                0.0,
                0.0,
            ),
            Block::Space(h) => self.y += h,
        }
        Ok(())
    }

    /// One signature block centred in a column; returns its height.
    fn signer(&mut self, s: &Signer, x: f32, w: f32, y: f32) -> f32 {
        let mut cy = y;
        for t in &s.title {
            cy = self.centred(x, w, cy, &[Span::bold(t.to_uppercase())], 13.0);
        }
        if let Some(note) = &s.note {
            cy = self.centred(x, w, cy, &[Span::italic(note.clone())], 12.0);
        }
        cy += SIGN_ROOM;
        if let Some(name) = &s.name {
            cy = self.centred(x, w, cy, &[Span::bold(name.clone())], 13.0);
        }
        cy - y
    }

    fn recipients(&mut self, items: &[String], x: f32, w: f32, y: f32) -> f32 {
        let mut cy = y + 12.0;
        self.ops().push(Op::Text {
            x,
            y: cy,
            face: Face::Bold,
            size: 12.0,
            text: "Nơi nhận:".into(),
        });
        // Bold italic is not bundled: "Nơi nhận:" in bold, entries in 11 pt regular.
        cy += 2.0;
        for item in items {
            for (i, line) in wrap(&[Span::plain(format!("- {}", item))], 11.0, |i| {
                if i == 0 { w } else { w - 8.0 }
            })
            .iter()
            .enumerate()
            {
                cy += 11.0 * 1.15;
                let ind = if i == 0 { 0.0 } else { 8.0 };
                self.draw_line(line, x + ind, w - ind, cy, 11.0, Align::Left);
            }
        }
        cy - y + 4.0
    }

    fn closing(&mut self, doc: &Document) {
        self.clear_float();
        if doc.signers.is_empty() && doc.recipients.is_empty() {
            return;
        }
        // Estimate the height so the closing block stays on one page.
        let est_sign = doc
            .signers
            .iter()
            .map(|s| (s.title.len() + 3) as f32 * 13.0 * LEADING + SIGN_ROOM)
            .fold(0.0, f32::max);
        let est_rec = 20.0 + doc.recipients.len() as f32 * 13.0;
        self.y += 6.0;
        self.ensure(est_sign.max(est_rec) + 10.0);
        let y = self.y;
        match doc.signers.len() {
            0 => {
                let h = self.recipients(&doc.recipients, LEFT, self.w * 0.45, y);
                self.y = y + h;
            }
            1 => {
                let rh = if doc.recipients.is_empty() {
                    0.0
                } else {
                    self.recipients(&doc.recipients, LEFT, self.w * 0.45, y)
                };
                let sh = self.signer(&doc.signers[0], LEFT + self.w * 0.45, self.w * 0.55, y);
                self.y = y + rh.max(sh);
            }
            n => {
                let w = self.w / n as f32;
                let sh = doc
                    .signers
                    .iter()
                    .enumerate()
                    .map(|(i, s)| self.signer(s, LEFT + i as f32 * w, w, y))
                    .fold(0.0, f32::max);
                self.y = y + sh + 6.0;
                if !doc.recipients.is_empty() {
                    self.ensure(est_rec);
                    let y = self.y;
                    let h = self.recipients(&doc.recipients, LEFT, self.w * 0.45, y);
                    self.y = y + h;
                }
            }
        }
    }
}

/// Lays the document out: the operations of each page.
fn layout(doc: &Document) -> Result<Vec<Vec<Op>>, Error> {
    let mut l = Layout::new(doc.landscape);
    l.header(doc);
    l.title(doc);
    for block in &doc.body {
        l.block(block)?;
    }
    l.closing(doc);
    let count = l.pages.len();
    if count > 1 {
        for (i, page) in l.pages.iter_mut().enumerate().skip(1) {
            let text = (i + 1).to_string();
            let w = text_width(Face::Regular, 13.0, &text);
            page.push(Op::Text {
                x: LEFT + (l.w - w) / 2.0,
                y: TOP - 18.0,
                face: Face::Regular,
                size: 13.0,
                text,
            });
        }
    }
    Ok(l.pages)
}

fn fonts() -> &'static [Font; 3] {
    static F: OnceLock<[Font; 3]> = OnceLock::new();
    F.get_or_init(|| {
        [Face::Regular, Face::Bold, Face::Italic]
            .map(|f| Font::new(f.bytes().into(), 0).expect("bundled font loads"))
    })
}

fn pdf_date(t: &chrono::DateTime<chrono::Utc>) -> PdfDate {
    PdfDate::new(t.year().clamp(0, 9999) as u16)
        .month(t.month() as u8)
        .day(t.day() as u8)
        .hour(t.hour() as u8)
        .minute(t.minute() as u8)
        .second(t.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// Renders a document to PDF/A-2b bytes. Pure: the same document gives the same bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>, Error> {
    let pages = layout(doc)?;
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(|e| Error::Pdf(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        enable_tagging: false,
        ..Default::default()
    };
    let mut pdf = PdfDocument::new_with(settings);
    let fonts = fonts();
    let stroke = |width: f32| Stroke {
        width,
        ..Default::default()
    };
    let (pw, ph) = if doc.landscape {
        (PAGE_H, PAGE_W)
    } else {
        (PAGE_W, PAGE_H)
    };
    for ops in &pages {
        let mut page =
            pdf.start_page_with(PageSettings::from_wh(pw, ph).expect("A4 is a valid size"));
        let mut s = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    face,
                    size,
                    text,
                } => {
                    s.draw_text(
                        Point::from_xy(*x, *y),
                        fonts[*face as usize].clone(),
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x1, *y1);
                    pb.line_to(*x2, *y2);
                    if let Some(path) = pb.finish() {
                        s.set_fill(None);
                        s.set_stroke(Some(stroke(*width)));
                        s.draw_path(&path);
                        s.set_stroke(None);
                        s.set_fill(Some(Default::default()));
                    }
                }
                Op::Boxes(boxes) => {
                    let mut pb = PathBuilder::new();
                    for (x, y, w, h) in boxes {
                        if let Some(r) = krilla::geom::Rect::from_xywh(*x, *y, *w, *h) {
                            pb.push_rect(r);
                        }
                    }
                    if let Some(path) = pb.finish() {
                        s.draw_path(&path);
                    }
                }
            }
        }
        s.finish();
        page.finish();
    }
    let meta = &doc.meta;
    let mut m = Metadata::new()
        .title(meta.title.clone())
        .authors(vec![meta.author.clone()])
        .creator("motcua".to_owned())
        .producer("motcua-pdf (krilla)".to_owned())
        .language("vi".to_owned())
        .creation_date(pdf_date(&meta.created));
    if let Some(subject) = &meta.subject {
        m = m.description(subject.clone());
    }
    pdf.set_metadata(m);
    pdf.finish().map_err(|e| Error::Pdf(format!("{e:?}")))
}

/// Number of pages the document lays out to (for tests and callers that show it).
pub fn page_count(doc: &Document) -> Result<usize, Error> {
    Ok(layout(doc)?.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Header, Meta};

    fn words(n: usize) -> String {
        (0..n)
            .map(|i| ["Nghị", "định", "quy", "định", "thủ", "tục", "hành", "chính"][i % 8])
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn wrapped_lines_fit_their_width_and_keep_every_word_in_order() {
        let text = words(120);
        let lines = wrap(&[Span::plain(text.clone())], BODY, |i| {
            if i == 0 { 200.0 } else { 300.0 }
        });
        assert!(lines.len() > 5);
        let space = text_width(Face::Regular, BODY, " ");
        for (i, l) in lines.iter().enumerate() {
            let w: f32 = l.groups.iter().map(|g| group_width(g)).sum::<f32>()
                + space * (l.groups.len() - 1) as f32;
            assert!(
                w <= if i == 0 { 200.0 } else { 300.0 } + 0.01,
                "line {i} is {w} wide"
            );
        }
        let back: Vec<String> = lines
            .iter()
            .flat_map(|l| {
                l.groups
                    .iter()
                    .map(|g| g.iter().map(|p| p.text.as_str()).collect())
            })
            .collect();
        assert_eq!(back.join(" "), text);
        assert!(lines.last().is_some_and(|l| l.last) && !lines[0].last);
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_and_a_newline_forces_a_break() {
        let long = "0123456789".repeat(20);
        let lines = wrap(&[Span::plain(format!("{long}\nsau"))], 12.0, |_| 100.0);
        assert!(lines.len() >= 4);
        let text: String = lines[..lines.len() - 1]
            .iter()
            .flat_map(|l| l.groups.iter().flatten())
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(text, long);
        assert_eq!(
            lines.last().map(|l| l.groups[0][0].text.as_str()),
            Some("sau")
        );
    }

    #[test]
    fn decomposed_input_is_composed_and_missing_glyphs_become_question_marks() {
        assert_eq!(clean("Ho\u{302}\u{300} so\u{31b}"), "Hồ sơ");
        assert_eq!(clean("ok \u{1F600}"), "ok ?");
    }

    #[test]
    fn a_table_longer_than_a_page_breaks_between_rows_and_repeats_its_header() {
        let doc = Document {
            header: Header {
                issuer: "UBND".into(),
                ..Default::default()
            },
            title: "Bảng".into(),
            subtitle: vec![],
            body: vec![Block::Table {
                columns: vec![
                    Column::new("STT", 1.0, Align::Center),
                    Column::new("Nội dung", 5.0, Align::Left),
                ],
                rows: (0..120)
                    .map(|i| vec![i.to_string(), words(i % 30 + 1)])
                    .collect(),
            }],
            signers: vec![],
            recipients: vec![],
            meta: Meta {
                title: "t".into(),
                author: "a".into(),
                subject: None,
                created: chrono::DateTime::UNIX_EPOCH,
            },
            landscape: false,
        };
        let pages = layout(&doc).expect("lays out");
        assert!(pages.len() > 2);
        for (i, ops) in pages.iter().enumerate() {
            let texts: Vec<&str> = ops
                .iter()
                .filter_map(|o| {
                    if let Op::Text { text, .. } = o {
                        Some(text.as_str())
                    } else {
                        None
                    }
                })
                .collect();
            assert!(texts.contains(&"Nội dung"), "page {i} repeats the header");
            if i > 0 {
                assert!(
                    texts.contains(&(i + 1).to_string().as_str()),
                    "page {i} is numbered"
                );
            }
            for o in ops {
                if let Op::Text { y, .. } | Op::Line { y2: y, .. } = o {
                    assert!(
                        *y <= PAGE_H - BOTTOM + 0.01,
                        "page {i}: nothing below the bottom margin ({y})"
                    );
                }
            }
        }
        // Every row is there once.
        let cells: usize = pages
            .iter()
            .flatten()
            .filter(|o| matches!(o, Op::Text { text, x, .. } if *x < LEFT + 40.0 && text.parse::<usize>().is_ok()))
            .count();
        assert_eq!(cells, 120, "every row number once");
    }
}
