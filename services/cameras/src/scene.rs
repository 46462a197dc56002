//! The simulator's pictures: a road seen from a pole, its traffic placed by the frame's
//! number, with the capture time written across the top, so a frame that stops changing
//! is plain to see.

use image::{Rgb, RgbImage};

pub const WIDTH: u32 = 960;
pub const HEIGHT: u32 = 540;

/// Glyphs of 3 x 5 cells, row by row (bit 2 is the left cell).
fn glyph(c: char) -> [u8; 5] {
    match c {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 7, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 2, 2, 2],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        ':' => [0, 2, 0, 2, 0],
        '-' => [0, 0, 7, 0, 0],
        _ => [0; 5],
    }
}

/// A small, fast, repeatable noise: the same frame is the same bytes.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn fill(picture: &mut RgbImage, x0: u32, y0: u32, w: u32, h: u32, colour: Rgb<u8>) {
    for y in y0..(y0 + h).min(picture.height()) {
        for x in x0..(x0 + w).min(picture.width()) {
            picture.put_pixel(x, y, colour);
        }
    }
}

/// Writes `text` at (`x`, `y`), each cell `scale` pixels, on a dark band.
fn write(picture: &mut RgbImage, text: &str, x: u32, y: u32, scale: u32) {
    let width = u32::try_from(text.chars().count()).unwrap_or(0) * 4 * scale;
    fill(
        picture,
        x - scale,
        y - scale,
        width + scale,
        7 * scale,
        Rgb([0, 0, 0]),
    );
    for (i, c) in (0u32..).zip(text.chars()) {
        for (row, bits) in (0u32..).zip(glyph(c)) {
            for column in 0..3 {
                if bits & (4 >> column) != 0 {
                    let (cx, cy) = (x + (i * 4 + column) * scale, y + row * scale);
                    fill(picture, cx, cy, scale, scale, Rgb([255, 255, 255]));
                }
            }
        }
    }
}

/// The picture of camera `seed`'s road at frame `frame`, stamped `stamp`
/// (`2026-11-27 10:03:15`).
pub fn render(seed: u64, frame: i64, stamp: &str) -> RgbImage {
    let (w, h) = (WIDTH, HEIGHT);
    let horizon = h * 2 / 5;
    let mut noise = Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut picture = RgbImage::from_fn(w, h, |x, y| {
        let grain = u8::try_from(noise.next() % 12).unwrap_or(0);
        if y < horizon {
            // Sky, lighter toward the horizon.
            let t = u8::try_from(y * 80 / horizon).unwrap_or(0);
            return Rgb([90 + t + grain, 140 + t / 2 + grain, 200 + grain / 2]);
        }
        // The road narrows toward the horizon; grass beside it.
        let depth = f64::from(y - horizon) / f64::from(h - horizon);
        let half = f64::from(w) * (0.05 + 0.42 * depth);
        let centre = f64::from(w) / 2.0;
        if (f64::from(x) - centre).abs() < half {
            Rgb([70 + grain, 72 + grain, 75 + grain])
        } else {
            Rgb([80 + grain, 120 + grain, 70 + grain])
        }
    });
    // The centre line's dashes move down the picture frame by frame.
    let shift = u32::try_from(frame.rem_euclid(4)).unwrap_or(0) * 12;
    let mut y = horizon + shift;
    while y < h {
        let depth = f64::from(y - horizon) / f64::from(h - horizon);
        let (dash_w, dash_h) = ((2.0 + 10.0 * depth) as u32, (4.0 + 30.0 * depth) as u32);
        fill(
            &mut picture,
            w / 2 - dash_w / 2,
            y,
            dash_w,
            dash_h,
            Rgb([235, 235, 220]),
        );
        y += dash_h * 2 + 4;
    }
    // Traffic: a few cars, where this frame has them.
    let mut traffic = Noise(
        seed ^ u64::try_from(frame)
            .unwrap_or(0)
            .wrapping_mul(0xA24B_AED4_963E_E407)
            | 1,
    );
    let colours = [
        Rgb([200, 40, 40]),
        Rgb([240, 240, 240]),
        Rgb([30, 60, 160]),
        Rgb([230, 190, 30]),
    ];
    for lane in 0..4u32 {
        let depth = f64::from(u32::try_from(traffic.next() % 90).unwrap_or(0) + 5) / 100.0;
        let y = horizon + ((f64::from(h - horizon)) * depth) as u32;
        let half = f64::from(w) * (0.05 + 0.42 * depth);
        let lane_x = f64::from(w) / 2.0 - half + half * (f64::from(lane) * 0.5 + 0.12);
        let (car_w, car_h) = ((half * 0.3) as u32, (half * 0.18) as u32);
        let colour = colours[usize::try_from(traffic.next() % 4).unwrap_or(0)];
        fill(
            &mut picture,
            lane_x as u32,
            y.saturating_sub(car_h),
            car_w.max(2),
            car_h.max(2),
            colour,
        );
    }
    write(&mut picture, stamp, 16, 16, 6);
    picture
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_differ_and_repeat() {
        let one = render(7, 100, "2026-11-27 10:03:15");
        assert_eq!(one, render(7, 100, "2026-11-27 10:03:15"));
        assert_ne!(one, render(7, 101, "2026-11-27 10:03:45"));
        assert_eq!((one.width(), one.height()), (WIDTH, HEIGHT));
        // The stamp is white on black in the corner.
        assert_eq!(one.get_pixel(16, 16), &Rgb([255, 255, 255]));
        assert_eq!(one.get_pixel(12, 12), &Rgb([0, 0, 0]));
    }
}
