//! `bench_regions`: point -> (city, region) lookups per second over all demo regions.
//! Prints figures; it is a benchmark command, not a test.

use std::{hint::black_box, path::PathBuf, time::Instant};

use server::{cities::Cities, config::load_cities};

fn main() -> anyhow::Result<()> {
    let dir = std::env::var("CONFIG_DIR").map_or_else(|_| PathBuf::from("config"), PathBuf::from);
    let cities = Cities::new(load_cities(&dir, &server::catalog::KNOWN)?);
    let (min_lon, min_lat, max_lon, max_lat) = cities
        .all()
        .iter()
        .filter_map(|c| c.bounding_box())
        .fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |acc, b| {
            (
                acc.0.min(b.min_lon),
                acc.1.min(b.min_lat),
                acc.2.max(b.max_lon),
                acc.3.max(b.max_lat),
            )
        });

    // Deterministic pseudo-random points over the box around all cities.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let points: Vec<(f64, f64)> = (0..100_000)
        .map(|_| {
            (
                min_lon + next() * (max_lon - min_lon),
                min_lat + next() * (max_lat - min_lat),
            )
        })
        .collect();

    let rounds = 20;
    let started = Instant::now();
    let mut hits = 0usize;
    for _ in 0..rounds {
        for &(lon, lat) in &points {
            if black_box(cities.locate(lon, lat)).is_some() {
                hits += 1;
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let lookups = (rounds * points.len()) as f64;
    println!(
        "region lookups: {:.0}/s over {} regions in {} cities ({} lookups, {:.1}% inside a region)",
        lookups / elapsed,
        cities.region_index().len(),
        cities.all().len(),
        lookups,
        100.0 * hits as f64 / lookups
    );
    Ok(())
}
