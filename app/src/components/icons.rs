//! Service icons as inline SVG: no extra request, crisp at any size, coloured by CSS.

use leptos::prelude::*;

use model::ServiceKind;

#[component]
pub fn ServiceIcon(service: ServiceKind) -> impl IntoView {
    match service {
        ServiceKind::AirQuality => view! {
            <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <path d="M3 8h11a3 3 0 1 0-3-3" fill="none" stroke="currentColor" stroke-width="2"
                    stroke-linecap="round"/>
                <path d="M3 12h15a3 3 0 1 1-3 3" fill="none" stroke="currentColor"
                    stroke-width="2" stroke-linecap="round"/>
                <path d="M3 16h7" fill="none" stroke="currentColor" stroke-width="2"
                    stroke-linecap="round"/>
            </svg>
        }
        .into_any(),
        ServiceKind::IncidentReports => view! {
            <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <path d="M12 22s7-6.2 7-12a7 7 0 1 0-14 0c0 5.8 7 12 7 12z" fill="none"
                    stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>
                <path d="M12 7v4M12 14h.01" fill="none" stroke="currentColor" stroke-width="2"
                    stroke-linecap="round"/>
            </svg>
        }
        .into_any(),
        // A cross: a clinic.
        ServiceKind::Appointments => view! {
            <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <rect x="3" y="3" width="18" height="18" rx="3" fill="none" stroke="currentColor"
                    stroke-width="2"/>
                <path d="M12 8v8M8 12h8" fill="none" stroke="currentColor" stroke-width="2"
                    stroke-linecap="round"/>
            </svg>
        }
        .into_any(),
        ServiceKind::UtilityBills => view! {
            <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <path d="M13 2 4 14h7l-1 8 9-12h-7z" fill="none" stroke="currentColor"
                    stroke-width="2" stroke-linejoin="round"/>
            </svg>
        }
        .into_any(),
        // A camera on its pole.
        ServiceKind::TrafficCameras => view! {
            <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <path d="M3 7h12l2 2v4l-2 2H3z" fill="none" stroke="currentColor" stroke-width="2"
                    stroke-linejoin="round"/>
                <path d="M17 10l4-2v6l-4-2M9 15v6M5 21h8" fill="none" stroke="currentColor"
                    stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>
            </svg>
        }
        .into_any(),
        // A shared service without a tile (payments, and the next of its kind): a card. A
        // tile has an icon of its own (server/tests/integration/catalog.rs checks).
        _ => view! {
            <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <rect x="3" y="6" width="18" height="13" rx="2" fill="none" stroke="currentColor"
                    stroke-width="2"/>
                <path d="M3 10h18M16 15h2" fill="none" stroke="currentColor" stroke-width="2"
                    stroke-linecap="round"/>
            </svg>
        }
        .into_any(),
    }
}

/// The account icon of the top bar.
#[component]
pub fn PersonIcon() -> impl IntoView {
    view! {
        <svg class="icon-small" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <circle cx="12" cy="8" r="4" fill="none" stroke="currentColor" stroke-width="2"/>
            <path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7" fill="none" stroke="currentColor"
                stroke-width="2" stroke-linecap="round"/>
        </svg>
    }
}
