//! Photos residents attach to reports. Every upload is decoded and re-encoded here, so what
//! is stored and passed on is only pixels: turned upright per its EXIF orientation, then
//! written as a fresh JPEG without any metadata (no GPS position, no camera serial). A file
//! that does not decode as JPEG, PNG or WebP is refused, whatever its name says.

use std::{io::Cursor, sync::Arc};

use image::{
    codecs::jpeg::JpegEncoder, imageops::FilterType, DynamicImage, ImageDecoder, ImageFormat,
    ImageReader, Limits,
};

/// Uploads larger than this are refused before decoding.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// Longer edges are scaled down to this: plenty for a desk, light on a phone's data plan.
pub const MAX_EDGE: u32 = 2048;
/// Pictures larger than this are refused from their header, before a pixel is decoded: a
/// few kilobytes of PNG can claim 8000 x 8000 pixels (a decompression bomb). 32 megapixels
/// holds any phone's ordinary photo (12 to 24 MP) with room to spare.
pub const MAX_PIXELS: u64 = 32_000_000;
const MAX_DECODED_EDGE: u32 = 12_000;
/// What the decoder may allocate: one picture at the pixel limit, four bytes a pixel.
const MAX_DECODE_ALLOC: u64 = MAX_PIXELS * 4;
const JPEG_QUALITY: u8 = 85;
/// Thumbnails fit this box: 96 CSS pixels at twice the density.
pub const THUMBNAIL_EDGE: u32 = 192;
const THUMBNAIL_QUALITY: u8 = 70;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("the photo is larger than {} MB", MAX_UPLOAD_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the picture has more than {} megapixels", MAX_PIXELS / 1_000_000)]
    TooManyPixels,
    #[error("the image could not be read: {0}")]
    Undecodable(String),
    #[error("the image could not be written: {0}")]
    Encoding(String),
}

/// A photo ready to store: a metadata-free JPEG.
#[derive(Clone, Debug)]
pub struct CleanPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// A small copy for lists and timelines, light on a slow network.
    pub thumbnail: Vec<u8>,
}

/// Decodes at once: each holds up to about twice `MAX_DECODE_ALLOC` bytes, so their number
/// is what bounds the memory photos can take, however many forms arrive together. One per
/// core, and never more than four (a gigabyte or two at worst).
static DECODES: std::sync::LazyLock<Arc<tokio::sync::Semaphore>> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    Arc::new(tokio::sync::Semaphore::new(cores.min(4)))
});

/// [`clean`] off the async workers, in turn with every other decode. The turn is held by
/// the decode itself, so a request dropped half-way (its client gone, its deadline passed)
/// cannot free the turn while the decode still runs.
pub async fn clean_in_turn(upload: Vec<u8>) -> Result<CleanPhoto, PhotoError> {
    in_turn(move || clean(&upload)).await
}

/// Runs `work` (a decode, a re-encode) off the async workers, in turn with every other
/// picture's.
pub async fn in_turn<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, PhotoError> + Send + 'static,
) -> Result<T, PhotoError> {
    let turn = Arc::clone(&DECODES)
        .acquire_owned()
        .await
        .map_err(|e| PhotoError::Encoding(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let done = work();
        drop(turn);
        done
    })
    .await
    .map_err(|e| PhotoError::Encoding(e.to_string()))?
}

/// A reader of `upload` whose format is known from its bytes, with the decoding limits set.
fn reader(upload: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, PhotoError> {
    if upload.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let mut reader = ImageReader::new(Cursor::new(upload))
        .with_guessed_format()
        .map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    // The format comes from the bytes, never from the file name or the browser's claim.
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) => {}
        _ => return Err(PhotoError::NotAnImage),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_EDGE);
    limits.max_image_height = Some(MAX_DECODED_EDGE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    Ok(reader)
}

/// The cheap checks, from the header alone: size, format, and pixel count. Microseconds
/// even for a decompression bomb.
pub fn inspect(upload: &[u8]) -> Result<(), PhotoError> {
    let (width, height) = reader(upload)?
        .into_dimensions()
        .map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PhotoError::TooManyPixels);
    }
    Ok(())
}

/// Decodes `upload` within the limits and turns it upright. CPU-heavy: call it through
/// [`in_turn`].
pub fn decode(upload: &[u8]) -> Result<DynamicImage, PhotoError> {
    inspect(upload)?;
    let mut decoder = reader(upload)?
        .into_decoder()
        .map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    let orientation = decoder
        .orientation()
        .map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    let mut picture =
        DynamicImage::from_decoder(decoder).map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    picture.apply_orientation(orientation);
    Ok(picture)
}

/// Decodes `upload`, turns it upright, scales it down if huge, and re-encodes it as JPEG.
/// CPU-heavy: call it through [`clean_in_turn`].
pub fn clean(upload: &[u8]) -> Result<CleanPhoto, PhotoError> {
    let mut picture = decode(upload)?;
    if picture.width() > MAX_EDGE || picture.height() > MAX_EDGE {
        picture = picture.resize(MAX_EDGE, MAX_EDGE, FilterType::Triangle);
    }
    let rgb = flatten_onto_white(&picture);
    let small = DynamicImage::ImageRgb8(rgb.clone())
        .thumbnail(THUMBNAIL_EDGE, THUMBNAIL_EDGE)
        .to_rgb8();
    Ok(CleanPhoto {
        width: rgb.width(),
        height: rgb.height(),
        jpeg: encode_jpeg(&rgb, JPEG_QUALITY)?,
        thumbnail: encode_jpeg(&small, THUMBNAIL_QUALITY)?,
    })
}

/// `picture` as a JPEG that fits `max_width` x `max_height` and weighs at most `budget`
/// bytes: the quality is lowered step by step, then the size, until it fits (a picture too
/// busy for the budget at any size is an error).
pub fn jpeg_within(
    picture: &DynamicImage,
    max_width: u32,
    max_height: u32,
    budget: usize,
) -> Result<Vec<u8>, PhotoError> {
    let mut rgb = flatten_onto_white(&picture.thumbnail(max_width, max_height));
    // Four sizes, each three quarters of the last: a sixth of the area at the least.
    for _ in 0..4 {
        for quality in [80, 70, 60, 50, 40] {
            let jpeg = encode_jpeg(&rgb, quality)?;
            if jpeg.len() <= budget {
                return Ok(jpeg);
            }
        }
        let (width, height) = ((rgb.width() * 3 / 4).max(1), (rgb.height() * 3 / 4).max(1));
        rgb = image::imageops::resize(&rgb, width, height, FilterType::Triangle);
    }
    Err(PhotoError::Encoding(format!(
        "no JPEG of it fits in {budget} bytes"
    )))
}

fn encode_jpeg(picture: &image::RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, quality)
        .encode_image(picture)
        .map_err(|e| PhotoError::Encoding(e.to_string()))?;
    Ok(jpeg)
}

/// JPEG has no transparency: transparent pixels become white, not black.
fn flatten_onto_white(picture: &DynamicImage) -> image::RgbImage {
    if !picture.color().has_alpha() {
        return picture.to_rgb8();
    }
    let rgba = picture.to_rgba8();
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend = |c: u8| {
            let c = u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a));
            u8::try_from(c / 255).unwrap_or(u8::MAX)
        };
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(picture: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut bytes = Vec::new();
        picture
            .write_to(&mut Cursor::new(&mut bytes), format)
            .expect("encodes");
        bytes
    }

    /// A JPEG with an EXIF block: orientation 6 (turn 90° clockwise) and a GPS latitude.
    fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
        let plain = encoded(&DynamicImage::new_rgb8(width, height), ImageFormat::Jpeg);
        // TIFF, little-endian: IFD0 at 8 with Orientation and a GPS IFD pointer; GPS IFD
        // at 38 with GPSLatitudeRef = "N".
        let mut tiff: Vec<u8> = b"II*\0".to_vec();
        tiff.extend(8u32.to_le_bytes());
        tiff.extend(2u16.to_le_bytes());
        tiff.extend([0x12, 0x01, 3, 0]);
        tiff.extend(1u32.to_le_bytes());
        tiff.extend([6, 0, 0, 0]);
        tiff.extend([0x25, 0x88, 4, 0]);
        tiff.extend(1u32.to_le_bytes());
        tiff.extend(38u32.to_le_bytes());
        tiff.extend(0u32.to_le_bytes());
        tiff.extend(1u16.to_le_bytes());
        tiff.extend([0x01, 0x00, 2, 0]);
        tiff.extend(2u32.to_le_bytes());
        tiff.extend(*b"N\0\0\0");
        tiff.extend(0u32.to_le_bytes());
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff);
        let length = u16::try_from(app1.len() + 2).expect("small");
        let mut jpeg = plain[..2].to_vec(); // SOI
        jpeg.extend([0xFF, 0xE1]);
        jpeg.extend(length.to_be_bytes());
        jpeg.extend(app1);
        jpeg.extend(&plain[2..]);
        jpeg
    }

    #[test]
    fn exif_orientation_is_applied_and_all_metadata_dropped() {
        let upload = jpeg_with_exif(40, 20);
        assert!(
            upload.windows(4).any(|w| w == b"Exif"),
            "the fixture carries EXIF"
        );
        let clean = clean(&upload).expect("cleans");
        assert_eq!((clean.width, clean.height), (20, 40), "turned upright");
        assert!(
            !clean.jpeg.windows(4).any(|w| w == b"Exif"),
            "no EXIF left, so no GPS"
        );
        let reread = image::load_from_memory(&clean.jpeg).expect("a valid JPEG");
        assert_eq!((reread.width(), reread.height()), (20, 40));
    }

    #[test]
    fn png_and_webp_become_jpeg_and_transparency_becomes_white() {
        let transparent = DynamicImage::new_rgba8(10, 10);
        let clean = clean(&encoded(&transparent, ImageFormat::Png)).expect("png");
        let reread = image::load_from_memory(&clean.jpeg)
            .expect("jpeg")
            .to_rgb8();
        assert!(
            reread.get_pixel(5, 5).0.iter().all(|&c| c > 240),
            "white, not black"
        );
        let webp = encoded(&DynamicImage::new_rgba8(12, 8), ImageFormat::WebP);
        assert_eq!(clean_size(&webp), (12, 8));
    }

    fn clean_size(bytes: &[u8]) -> (u32, u32) {
        let photo = clean(bytes).expect("cleans");
        (photo.width, photo.height)
    }

    /// A PNG of 8000 x 8000 white pixels compresses to a few hundred kilobytes; it is
    /// refused from its header, without decoding.
    #[test]
    fn a_decompression_bomb_is_refused_before_decoding() {
        let bomb = png_claiming(8000, 8000);
        assert!(bomb.len() < 300 * 1024, "{} bytes", bomb.len());
        assert_eq!(inspect(&bomb), Err(PhotoError::TooManyPixels));
        assert_eq!(clean(&bomb).err(), Some(PhotoError::TooManyPixels));
        assert!(
            inspect(&png_claiming(4000, 3000)).is_ok(),
            "12 MP is a photo"
        );
    }

    /// A valid PNG of one colour, written row by row so the test itself stays small.
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        let encoder = image::codecs::png::PngEncoder::new_with_quality(
            &mut bytes,
            image::codecs::png::CompressionType::Best,
            image::codecs::png::FilterType::NoFilter,
        );
        let pixels = vec![255u8; (width * height) as usize];
        image::ImageEncoder::write_image(
            encoder,
            &pixels,
            width,
            height,
            image::ExtendedColorType::L8,
        )
        .expect("encodes");
        bytes
    }

    #[test]
    fn big_pictures_are_scaled_down() {
        let big = encoded(&DynamicImage::new_rgb8(4096, 1024), ImageFormat::Png);
        assert_eq!(clean_size(&big), (2048, 512));
    }

    #[test]
    fn what_is_not_an_image_is_refused_whatever_its_name() {
        let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF".to_vec();
        assert_eq!(clean(&pdf).err(), Some(PhotoError::NotAnImage));
        assert!(clean(&[0u8; 512]).is_err(), "zeros are no image");
        let truncated = &encoded(&DynamicImage::new_rgb8(64, 64), ImageFormat::Png)[..40];
        assert!(matches!(clean(truncated), Err(PhotoError::Undecodable(_))));
        let huge = vec![0xFFu8; MAX_UPLOAD_BYTES + 1];
        assert_eq!(clean(&huge).err(), Some(PhotoError::TooLarge));
    }
}
