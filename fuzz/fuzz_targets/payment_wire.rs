//! What payment providers and billers send: WeChat Pay v3's transactions, refunds and
//! notifications (their resources decrypted under a fixed key), and the Provider API for
//! bills' accounts, locks, receipts and problems, as the adapters read them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::{
    providers::decode,
    services::{
        bills::provider_api::{self, wire as bills},
        payments::wechat_pay::{self, crypto::ApiV3Key, wire as wechat},
    },
};

fuzz_target!(|body: &[u8]| {
    if let Ok(transaction) = decode::<wechat::Transaction>(body) {
        let _ = wechat_pay::charge_state(transaction);
    }
    if let Ok(refund) = decode::<wechat::Refund>(body) {
        let _ = wechat_pay::refund_state(&refund);
    }
    if let Ok(notification) = decode::<wechat::Notification>(body) {
        if let Ok(key) = ApiV3Key::new("0123456789abcdefghijklmnopqrstuv") {
            let resource = &notification.resource;
            let _ = key.decrypt(
                &resource.nonce,
                &resource.associated_data,
                &resource.ciphertext,
            );
        }
    }
    if let Ok(account) = decode::<bills::AccountBills>(body) {
        let _: Vec<_> = account.bills.into_iter().map(provider_api::bill).collect();
    }
    let _ = decode::<bills::Lock>(body);
    let _ = decode::<bills::Receipt>(body);
    let _ = decode::<bills::Problem>(body);
    let _ = decode::<wechat::ErrorAnswer>(body);
});
