//! Previews of stored papers for the dossier page. An image (JPEG, PNG) is scaled down on the server
//! to fit a [`SIDE`]-pixel box and kept as a PNG under `files_dir/.thumbs`, named by the paper's
//! SHA-256 like the paper itself (so a cached preview can never belong to another file; the dot
//! keeps it out of backups: it is derived). A PDF gets no rendered page (that would take a PDF
//! renderer, a heavy dependency or an outside program): an icon, and its page count read from the
//! file, cached beside.
//!
//! Hostile files: the dimensions are read from the header before anything is decoded, and an
//! image above [`MAX_PIXELS`] or [`MAX_SIDE`] is not decoded at all; the PNG decoder's allocations
//! are capped; one decode runs at a time; a damaged or truncated file, or a decoder that panics,
//! gives the plain icon instead of a preview. A refusal is cached too, so a decompression bomb is
//! looked at once.

use std::io::Cursor;
use std::path::{Path, PathBuf};

/// The box a preview fits in, in pixels (shown at half that in CSS pixels, sharp on dense screens).
pub const SIDE: u32 = 240;
/// The most pixels an image may have to be previewed: 30 million (a 6,000 x 5,000 photo), about
/// 120 MB while decoded.
pub const MAX_PIXELS: u64 = 30_000_000;
/// The longest side an image may have to be previewed.
pub const MAX_SIDE: u32 = 16_000;

/// What the dossier page shows for a stored paper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Image,
    Pdf { pages: Option<u32> },
}

/// A preview as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preview {
    /// A PNG scaled down from an image paper.
    Png(Vec<u8>),
    /// An icon (SVG): a PDF, or an image that cannot be previewed.
    Icon(&'static str),
}

fn valid(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

fn paper_path(dir: &Path, hash: &str) -> PathBuf {
    dir.join(&hash[..2]).join(hash)
}

fn cache_path(dir: &Path, hash: &str, ext: &str) -> PathBuf {
    dir.join(".thumbs")
        .join(&hash[..2])
        .join(format!("{hash}.{ext}"))
}

/// Writes a cache file whole or not at all (a temporary name, then a rename).
fn cache_write(path: &Path, bytes: &[u8]) {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let Some(parent) = path.parent() else { return };
    if std::fs::create_dir_all(parent).is_err() {
        return;
    }
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = parent.join(format!(".{}.{n}", std::process::id()));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// The kind of a stored paper (by its first bytes) and, for a PDF, its page count; None when
/// there is no such paper.
pub fn describe(dir: &Path, hash: &str) -> Option<Kind> {
    use std::io::Read;
    if !valid(hash) {
        return None;
    }
    let hash = hash.to_ascii_lowercase();
    let mut head = [0u8; 8];
    let mut file = std::fs::File::open(paper_path(dir, &hash)).ok()?;
    let n = file.read(&mut head).ok()?;
    match super::files::kind(&head[..n])? {
        "application/pdf" => Some(Kind::Pdf {
            pages: pdf_pages_cached(dir, &hash),
        }),
        _ => Some(Kind::Image),
    }
}

fn pdf_pages_cached(dir: &Path, hash: &str) -> Option<u32> {
    let cache = cache_path(dir, hash, "pages");
    if let Ok(text) = std::fs::read_to_string(&cache) {
        return text.trim().parse().ok();
    }
    let bytes = std::fs::read(paper_path(dir, hash)).ok()?;
    let pages = pdf_pages(&bytes);
    cache_write(
        &cache,
        pages.map(|p| p.to_string()).unwrap_or_default().as_bytes(),
    );
    pages
}

/// The number of pages of a PDF, counted from its page objects (`/Type /Page`); None when none is
/// visible (pages inside compressed object streams).
pub fn pdf_pages(bytes: &[u8]) -> Option<u32> {
    let mut count = 0u32;
    let mut i = 0;
    while let Some(at) = find(&bytes[i..], b"/Type") {
        let mut j = i + at + 5;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if bytes[j..].starts_with(b"/Page")
            && !bytes.get(j + 5).is_some_and(|b| b.is_ascii_alphanumeric())
        {
            count += 1;
        }
        i = j;
    }
    (count > 0).then_some(count)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The icon of a PDF paper.
pub const PDF_ICON: &str = concat!(
    r##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="160" viewBox="0 0 120 160">"##,
    r##"<path d="M8 4h76l28 28v124H8z" fill="#fff" stroke="#555" stroke-width="3"/>"##,
    r##"<path d="M84 4v28h28" fill="none" stroke="#555" stroke-width="3"/>"##,
    r##"<rect x="8" y="92" width="104" height="40" fill="#b3261e"/>"##,
    r##"<text x="60" y="122" font-family="sans-serif" font-size="28" font-weight="bold" fill="#fff" text-anchor="middle">PDF</text>"##,
    "</svg>"
);

/// The icon of an image that cannot be previewed (too large, damaged).
pub const IMAGE_ICON: &str = concat!(
    r##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="160" viewBox="0 0 120 160">"##,
    r##"<rect x="6" y="24" width="108" height="112" fill="#fff" stroke="#555" stroke-width="3"/>"##,
    r##"<circle cx="38" cy="56" r="10" fill="#888"/>"##,
    r##"<path d="M12 128l34-44 22 26 14-16 28 34z" fill="#888"/>"##,
    "</svg>"
);

/// The preview of a stored paper: a cached PNG, made now if need be, or an icon; None when there
/// is no such paper.
pub fn preview(dir: &Path, hash: &str) -> Option<Preview> {
    if !valid(hash) {
        return None;
    }
    let hash = hash.to_ascii_lowercase();
    let png = cache_path(dir, &hash, "png");
    if let Ok(bytes) = std::fs::read(&png) {
        return Some(Preview::Png(bytes));
    }
    let refused = cache_path(dir, &hash, "none");
    let bytes = std::fs::read(paper_path(dir, &hash)).ok()?;
    let kind = super::files::kind(&bytes)?;
    if kind == "application/pdf" {
        return Some(Preview::Icon(PDF_ICON));
    }
    if refused.exists() {
        return Some(Preview::Icon(IMAGE_ICON));
    }
    // One decode at a time: a few large photos opened at once must not add up in memory.
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let made = std::panic::catch_unwind(|| thumbnail(&bytes, kind)).unwrap_or(None);
    drop(bytes);
    match made {
        Some(out) => {
            cache_write(&png, &out);
            Some(Preview::Png(out))
        }
        None => {
            cache_write(&refused, b"");
            Some(Preview::Icon(IMAGE_ICON))
        }
    }
}

/// An image decoded to 8-bit RGB.
struct Rgb {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

fn admissible(width: u32, height: u32) -> bool {
    width > 0
        && height > 0
        && width <= MAX_SIDE
        && height <= MAX_SIDE
        && u64::from(width) * u64::from(height) <= MAX_PIXELS
}

/// A PNG preview of a JPEG or PNG image, or None when it is too large, damaged or of another kind.
pub fn thumbnail(bytes: &[u8], kind: &str) -> Option<Vec<u8>> {
    let image = match kind {
        "image/jpeg" => decode_jpeg(bytes)?,
        "image/png" => decode_png(bytes)?,
        _ => return None,
    };
    let small = scale_down(&image, SIDE);
    encode_png(&small)
}

fn decode_jpeg(bytes: &[u8]) -> Option<Rgb> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .set_max_width(MAX_SIDE as usize)
        .set_max_height(MAX_SIDE as usize)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().ok()?;
    let (w, h) = decoder.dimensions()?;
    let (width, height) = (u32::try_from(w).ok()?, u32::try_from(h).ok()?);
    if !admissible(width, height) {
        return None;
    }
    let pixels = decoder.decode().ok()?;
    if pixels.len() != width as usize * height as usize * 3 {
        return None;
    }
    Some(Rgb {
        width,
        height,
        pixels,
    })
}

fn decode_png(bytes: &[u8]) -> Option<Rgb> {
    let limits = png::Limits {
        bytes: (MAX_PIXELS * 8) as usize,
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().ok()?;
    let (width, height) = (reader.info().width, reader.info().height);
    if !admissible(width, height) {
        return None;
    }
    let mut buf = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut buf).ok()?;
    let data = &buf[..frame.buffer_size()];
    let channels = match frame.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return None,
    };
    if frame.bit_depth != png::BitDepth::Eight
        || frame.width != width
        || frame.height != height
        || data.len() != width as usize * height as usize * channels
    {
        return None;
    }
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    for px in data.chunks_exact(channels) {
        // Transparent parts on white paper.
        let (rgb, alpha) = match channels {
            1 => ([px[0]; 3], 255),
            2 => ([px[0]; 3], px[1]),
            3 => ([px[0], px[1], px[2]], 255),
            _ => ([px[0], px[1], px[2]], px[3]),
        };
        for c in rgb {
            let a = u32::from(alpha);
            pixels.push(((u32::from(c) * a + 255 * (255 - a)) / 255) as u8);
        }
    }
    Some(Rgb {
        width,
        height,
        pixels,
    })
}

/// The image scaled to fit a `side` x `side` box (never enlarged), each target pixel the mean of
/// the source pixels it covers.
fn scale_down(image: &Rgb, side: u32) -> Rgb {
    let (w, h) = (image.width as u64, image.height as u64);
    let scale_num = u64::from(side);
    let longest = w.max(h);
    let (tw, th) = if longest <= scale_num {
        (w, h)
    } else {
        (
            (w * scale_num / longest).max(1),
            (h * scale_num / longest).max(1),
        )
    };
    let mut pixels = Vec::with_capacity((tw * th * 3) as usize);
    for ty in 0..th {
        let (y0, y1) = (ty * h / th, ((ty + 1) * h / th).max(ty * h / th + 1));
        for tx in 0..tw {
            let (x0, x1) = (tx * w / tw, ((tx + 1) * w / tw).max(tx * w / tw + 1));
            let mut sum = [0u64; 3];
            for y in y0..y1 {
                let row = (y * w * 3) as usize;
                for x in x0..x1 {
                    let at = row + (x * 3) as usize;
                    for (c, s) in sum.iter_mut().enumerate() {
                        *s += u64::from(image.pixels[at + c]);
                    }
                }
            }
            let n = (y1 - y0) * (x1 - x0);
            pixels.extend(sum.iter().map(|s| ((s + n / 2) / n) as u8));
        }
    }
    Rgb {
        width: tw as u32,
        height: th as u32,
        pixels,
    }
}

fn encode_png(image: &Rgb) -> Option<Vec<u8>> {
    let mut out = vec![];
    let mut encoder = png::Encoder::new(&mut out, image.width, image.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().ok()?;
    writer.write_image_data(&image.pixels).ok()?;
    writer.finish().ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of(width: u32, height: u32, color: png::ColorType, pixels: &[u8]) -> Vec<u8> {
        let mut out = vec![];
        let mut e = png::Encoder::new(&mut out, width, height);
        e.set_color(color);
        e.set_depth(png::BitDepth::Eight);
        let mut w = e.write_header().unwrap();
        w.write_image_data(pixels).unwrap();
        w.finish().unwrap();
        out
    }

    fn size_of_png(bytes: &[u8]) -> (u32, u32) {
        let r = png::Decoder::new(Cursor::new(bytes)).read_info().unwrap();
        (r.info().width, r.info().height)
    }

    #[test]
    fn a_large_png_is_scaled_into_the_box_keeping_its_shape_and_colour() {
        let (w, h) = (1200u32, 600u32);
        let pixels: Vec<u8> = (0..w * h).flat_map(|_| [200u8, 30, 30]).collect();
        let thumb = thumbnail(&png_of(w, h, png::ColorType::Rgb, &pixels), "image/png").unwrap();
        assert_eq!(size_of_png(&thumb), (SIDE, SIDE / 2));
        let mut r = png::Decoder::new(Cursor::new(&thumb[..]))
            .read_info()
            .unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        r.next_frame(&mut buf).unwrap();
        assert_eq!(&buf[..3], &[200, 30, 30]);
    }

    #[test]
    fn a_small_image_is_not_enlarged_and_transparency_becomes_white() {
        let pixels: Vec<u8> = (0..40 * 20).flat_map(|_| [0u8, 0, 0, 0]).collect();
        let thumb = thumbnail(&png_of(40, 20, png::ColorType::Rgba, &pixels), "image/png").unwrap();
        assert_eq!(size_of_png(&thumb), (40, 20));
        let mut r = png::Decoder::new(Cursor::new(&thumb[..]))
            .read_info()
            .unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        r.next_frame(&mut buf).unwrap();
        assert_eq!(&buf[..3], &[255, 255, 255]);
    }

    /// A PNG header claiming 60,000 x 60,000 pixels (a decompression bomb's shape) with a valid
    /// CRC: refused from its header, before any pixel is allocated.
    #[test]
    fn hostile_images_are_refused_without_panic() {
        let big = {
            let mut ihdr = vec![];
            ihdr.extend(60_000u32.to_be_bytes());
            ihdr.extend(60_000u32.to_be_bytes());
            ihdr.extend([8, 0, 0, 0, 0]);
            let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
            out.extend(13u32.to_be_bytes());
            let mut chunk = b"IHDR".to_vec();
            chunk.extend(&ihdr);
            out.extend(&chunk);
            out.extend(crc32(&chunk).to_be_bytes());
            out
        };
        assert_eq!(thumbnail(&big, "image/png"), None);
        // Truncated and garbage files.
        let pixels: Vec<u8> = vec![90; 300 * 300 * 3];
        let good = png_of(300, 300, png::ColorType::Rgb, &pixels);
        for cut in [8, 20, 40, good.len() / 2, good.len() - 5] {
            assert_eq!(thumbnail(&good[..cut], "image/png"), None, "cut at {cut}");
        }
        assert_eq!(thumbnail(b"\xff\xd8\xff\xe0garbage", "image/jpeg"), None);
        assert_eq!(thumbnail(&[0xFF, 0xD8, 0xFF], "image/jpeg"), None);
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn pdf_pages_are_counted_from_page_objects() {
        let pdf = b"%PDF-1.4\n1 0 obj <</Type /Pages /Count 2 /Kids [2 0 R 3 0 R]>> endobj\n\
            2 0 obj <</Type /Page /Parent 1 0 R>> endobj\n3 0 obj <</Type/Page>> endobj\n";
        assert_eq!(pdf_pages(pdf), Some(2));
        assert_eq!(pdf_pages(b"%PDF-1.7 compressed"), None);
    }
}
