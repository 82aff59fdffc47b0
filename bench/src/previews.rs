//! `parlor-bench previews`: how long the message function takes to turn an image into its preview
//! (decode, scale to 480 pixels a side, JPEG), by format and size. This is the work a message with
//! an image adds before it is stored; the upload itself never passes through a function.

use parlor_core::adapters::images::ImagePreviews;
use parlor_core::domain::PREVIEW_PIXELS;
use parlor_core::ports::Images;
use std::io::Cursor;
use std::time::{Duration, Instant};

/// A photo-like picture: smooth gradients with fine noise, which compresses like a camera's.
fn picture(width: u32, height: u32) -> image::RgbImage {
    let mut state = 0x2545_f491_u32;
    image::RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state % 24) as u8;
        image::Rgb([
            (x * 255 / width) as u8 ^ n,
            (y * 255 / height) as u8 ^ n,
            ((x + y) % 256) as u8 ^ n,
        ])
    })
}

fn encoded(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let img = image::DynamicImage::ImageRgb8(picture(width, height));
    match format {
        image::ImageFormat::Jpeg => {
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 88);
            img.write_with_encoder(encoder).expect("a JPEG")
        }
        other => img.write_to(&mut out, other).expect("an image"),
    }
    out.into_inner()
}

pub fn report() -> Result<(), String> {
    let cases = [
        (
            "phone photo",
            4032,
            3024,
            image::ImageFormat::Jpeg,
            "image/jpeg",
        ),
        (
            "screenshot",
            2560,
            1440,
            image::ImageFormat::Png,
            "image/png",
        ),
        (
            "small photo",
            1280,
            960,
            image::ImageFormat::Jpeg,
            "image/jpeg",
        ),
        (
            "animation frame",
            800,
            600,
            image::ImageFormat::Gif,
            "image/gif",
        ),
        (
            "web image",
            1920,
            1080,
            image::ImageFormat::WebP,
            "image/webp",
        ),
    ];
    println!("| image | pixels | file | preview | time (median of 5) |");
    println!("| --- | --- | --- | --- | --- |");
    for (what, width, height, format, content_type) in cases {
        let bytes = encoded(width, height, format);
        let mut times: Vec<Duration> = Vec::new();
        let mut size = 0;
        for _ in 0..5 {
            let started = Instant::now();
            let preview = ImagePreviews.preview(&bytes, content_type, PREVIEW_PIXELS)?;
            times.push(started.elapsed());
            size = preview.jpeg.len();
        }
        times.sort();
        println!(
            "| {what} ({content_type}) | {width}×{height} | {:.1} MB | {:.0} KB | {:.0} ms |",
            bytes.len() as f64 / 1_048_576.0,
            size as f64 / 1024.0,
            times[2].as_secs_f64() * 1000.0
        );
    }
    Ok(())
}
