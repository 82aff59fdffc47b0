//! Image previews with the `image` crate: decoded within memory limits, scaled to fit a square,
//! encoded as JPEG.

use crate::ports::{Images, Preview};
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// The largest image side decoded; larger images are refused rather than decoded.
const MAX_SIDE: u32 = 12_000;
/// The most memory one decode may take.
const MAX_ALLOC: u64 = 512 * 1024 * 1024;
const JPEG_QUALITY: u8 = 80;

pub struct ImagePreviews;

fn format_of(content_type: &str) -> Option<ImageFormat> {
    match content_type {
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/png" => Some(ImageFormat::Png),
        "image/gif" => Some(ImageFormat::Gif),
        "image/webp" => Some(ImageFormat::WebP),
        _ => None,
    }
}

impl Images for ImagePreviews {
    fn preview(&self, bytes: &[u8], content_type: &str, max_side: u32) -> Result<Preview, String> {
        let format = format_of(content_type)
            .ok_or_else(|| format!("{content_type} is not an image type Parlor previews"))?;
        if image::guess_format(bytes).ok() != Some(format) {
            return Err(format!("the file is not {content_type}"));
        }
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
        limits.max_alloc = Some(MAX_ALLOC);
        reader.limits(limits);
        let image = reader.decode().map_err(|e| e.to_string())?;
        let (width, height) = (image.width(), image.height());
        let small = if width > max_side || height > max_side {
            image.thumbnail(max_side, max_side)
        } else {
            image
        };
        // JPEG has no alpha: flatten onto white, as a transparent PNG shows on a light page.
        let rgb = DynamicImage::ImageRgb8(flatten(&small));
        let mut jpeg = Vec::new();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY);
        rgb.write_with_encoder(encoder).map_err(|e| e.to_string())?;
        Ok(Preview {
            jpeg,
            width,
            height,
        })
    }
}

fn flatten(image: &DynamicImage) -> image::RgbImage {
    let rgba = image.to_rgba8();
    let mut out = image::RgbImage::new(rgba.width(), rgba.height());
    for (x, y, p) in rgba.enumerate_pixels() {
        let [r, g, b, a] = p.0;
        let mix = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        out.put_pixel(x, y, image::Rgb([mix(r), mix(g), mix(b)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 10, 10, 128]));
        let mut out = Vec::new();
        DynamicImage::ImageRgba8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_large_image_gets_a_small_jpeg_that_keeps_its_shape() {
        let p = ImagePreviews
            .preview(&png(1200, 600), "image/png", 480)
            .unwrap();
        assert_eq!((p.width, p.height), (1200, 600));
        let back = image::load_from_memory_with_format(&p.jpeg, ImageFormat::Jpeg).unwrap();
        assert_eq!((back.width(), back.height()), (480, 240));
        let small = ImagePreviews
            .preview(&png(40, 30), "image/png", 480)
            .unwrap();
        let back = image::load_from_memory(&small.jpeg).unwrap();
        assert_eq!(
            (back.width(), back.height()),
            (40, 30),
            "a small image is not enlarged"
        );
    }

    #[test]
    fn bytes_that_are_not_the_declared_image_are_refused() {
        assert!(
            ImagePreviews
                .preview(b"<html>hello</html>", "image/png", 480)
                .is_err()
        );
        assert!(
            ImagePreviews
                .preview(&png(10, 10), "image/jpeg", 480)
                .is_err()
        );
        let mut cut = png(100, 100);
        cut.truncate(60);
        assert!(ImagePreviews.preview(&cut, "image/png", 480).is_err());
        assert!(
            ImagePreviews
                .preview(&png(10, 10), "application/pdf", 480)
                .is_err()
        );
    }
}
