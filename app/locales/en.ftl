app-name = City Services
app-description = Your city's public services on one page: air quality and more.
switch-language = Switch language
nav-home = All cities
nav-change-city = Change city
nav-city-home = Back to the city's services

home-title = Choose your city
home-use-location = Use my location
home-locating = Finding where you are…
home-location-failed = We could not get your location. Please choose your city below.
home-located-outside = Your location is not in a city we serve yet. Please choose a city below.
home-continue = Continue to
home-all-cities = All cities

not-found-title = Page not found
unknown-city-title = We do not serve that city
not-found-offer = These are the cities we serve:

city-services = City services
city-your-district = Your district
city-district-unknown = Not set (whole city)
city-set-district = Set
city-no-services = No services are available in your district yet.
tile-degraded = Having problems

service-air = Air quality

error-unknown-city = We do not serve that city.
error-service-not-offered = This service is not available where you are.
error-internal = Something went wrong on our side. Please try again in a moment.

air-scale-china = Air Quality Index, China national standard (HJ 633)
air-scale-us = Air Quality Index, US EPA
air-stale = Air quality data could not be refreshed. Showing readings fetched { $minutes } { $minutes ->
    [one] minute
   *[other] minutes
} ago.
air-unavailable = Air quality data is unavailable right now. Please try again later.
air-no-stations = No monitoring stations report for this city right now.
air-your-district = Your district
air-no-aqi = No AQI: this station reports none of the pollutants it needs.
air-measured = Measured
air-primary = Primary pollutant
air-no-primary = none

aqi-label = Air quality index
aqi-china-1 = Excellent
aqi-china-2 = Good
aqi-china-3 = Lightly polluted
aqi-china-4 = Moderately polluted
aqi-china-5 = Heavily polluted
aqi-china-6 = Severely polluted
aqi-china-advice-1 = Air quality is satisfactory. Everyone can go about outdoor activities as usual.
aqi-china-advice-2 = Air quality is acceptable. A very few unusually sensitive people should reduce outdoor activity.
aqi-china-advice-3 = Children, older people and people with heart or lung disease should reduce long or strenuous outdoor exercise.
aqi-china-advice-4 = Children, older people and people with heart or lung disease should avoid long or strenuous outdoor exercise; everyone else should cut down on outdoor activity.
aqi-china-advice-5 = Children, older people and people with heart or lung disease should stay indoors and stop outdoor exercise; everyone else should reduce outdoor activity.
aqi-china-advice-6 = Children, older people and the sick should stay indoors and avoid physical exertion; everyone else should avoid outdoor activity.

aqi-us-1 = Good
aqi-us-2 = Moderate
aqi-us-3 = Unhealthy for sensitive groups
aqi-us-4 = Unhealthy
aqi-us-5 = Very unhealthy
aqi-us-6 = Hazardous
aqi-us-advice-1 = Air quality is satisfactory, and air pollution poses little or no risk.
aqi-us-advice-2 = Unusually sensitive people should consider reducing prolonged or heavy exertion outdoors.
aqi-us-advice-3 = Sensitive groups should reduce prolonged or heavy exertion outdoors.
aqi-us-advice-4 = Sensitive groups should avoid prolonged or heavy exertion; everyone else should reduce it.
aqi-us-advice-5 = Sensitive groups should avoid all physical activity outdoors; everyone else should avoid prolonged or heavy exertion.
aqi-us-advice-6 = Everyone should avoid all physical activity outdoors.
error-sign-in-required = Please sign in first.
error-forbidden = You are not allowed to do that.
error-not-found = We could not find that.

header-sign-in = Sign in
header-account = My account
header-account-unread = My account, { $count } unread messages

signin-title = Sign in
signin-needed = Please sign in to continue; we will bring you back.
signin-submit = Sign in
signin-or = or
signin-passkey = Sign in with a passkey
signin-no-account = New here?
signup-title = Create an account
signup-submit = Send me a code
signout = Sign out
signout-everywhere = Sign out on every device

field-contact = Mobile number or email
field-contact-hint = A mainland mobile number (13800138000), an international number (+44 7700 900123) or an email address.
field-password = Password
field-password-hint = At least 8 characters. A few words you will remember make a good one.
field-display-name = Name to show (optional)
field-code = 6-digit code
field-email = Email
field-phone = Mobile number
field-home = Home district
field-username = Username

code-title = Enter your code
code-sent-to = We sent a 6-digit code to { $to }. It works for 10 minutes.
code-submit = Confirm
code-start-again = Start again

account-error-contact = Please enter a mobile number or an email address.
account-error-password-short = The password must have at least 8 characters.
account-error-password-long = The password can have at most 128 characters.
account-error-name-long = The name can have at most 60 characters.
account-error-taken = An account already uses this number or address. Sign in instead.
account-error-credentials = That number or address and password do not match.
account-error-rate-limited = Too many attempts. Please try again in { $minutes } minutes.
account-error-code-expired = This code has expired or was tried too often. Please ask for a new one.
account-error-code-wrong = That code is not right. Please check it and try again.
account-error-too-many-codes = We have sent several codes already. Please wait a few minutes before asking again.
account-error-not-sent = We could not send the code just now. Please try again in a moment.
account-error-no-passkey = This account has no passkey yet. Sign in with your password, then add one.
account-error-passkey = The passkey did not work. Please try again, or sign in with your password.
account-error-place = Please choose a district from the list.

notice-saved = Saved.
notice-contact-added = Your contact details are verified and saved.
notice-passkey-added = Passkey added. You can sign in with it next time.
notice-passkey-removed = Passkey removed.
notice-signed-out-everywhere = You are signed out on every device.
notice-withdrawn = Consent withdrawn. Nothing more will be shared with that provider.
notice-switched = Done. Residents see the change on their next page.
notice-created = Admin account created.

profile-title = My account
profile-not-set = Not set
profile-whole-city = whole city
profile-save = Save
profile-contacts = Mobile number and email
profile-add-contact = Add or change a mobile number or email
profile-send-code = Send a code
profile-passkeys = Passkeys
profile-no-passkeys = You have no passkeys yet. A passkey lets you sign in with your fingerprint, face or screen lock.
profile-passkey-add = Add a passkey
profile-passkey-added = Added { $date }
profile-passkey-used = , last used { $date }
profile-passkey-remove = Remove
profile-sessions = Where you are signed in
profile-session-count = You are signed in on { $count ->
    [one] one device
   *[other] { $count } devices
}.

mydata-title = My data
mydata-intro = What you agreed to share, with whom, and everything that was shared. Providers know you only by an id of their own, which no other provider can link to you.
mydata-consents = What you agreed to share
mydata-no-consents = You have not agreed to share anything.
mydata-fields = Shared: { $fields }
mydata-granted = Agreed { $date }
mydata-withdrawn = Withdrawn { $date }
mydata-withdraw = Withdraw consent
mydata-shares = What was shared
mydata-no-shares = Nothing has been shared.
mydata-when = When
mydata-provider = With
mydata-what = What
mydata-why = For
mydata-muted = Muted providers
mydata-none-muted = You have muted no provider.

personal-display-name = Your name
personal-phone = Your mobile number
personal-email = Your email address
personal-home-district = Your home district

consent-title = Before we share
consent-intro = To provide this service, { $provider } ({ $id }) needs:
consent-nothing = This service sends nothing personal to { $provider }.
consent-withdraw-hint = You can withdraw this at any time under My data; what was already shared stays listed there.
consent-agree = I agree
consent-already = You have already agreed.

inbox-title = Messages
inbox-empty = No messages yet.
inbox-read-all = Mark all as read
inbox-mark-read = Mark as read
inbox-announcement = Announcement
inbox-service = Service
inbox-unread = Unread:
inbox-mute = Mute this provider
inbox-unmute = Unmute

outbox-title = Demo: messages sent
outbox-intro = This page exists only in the demo. The demo's notification provider sends nothing; it keeps the text messages and emails here so you can read your code.
outbox-empty = Nothing has been sent yet.

admin-title = City admin console
admin-signin-title = Admin sign-in
admin-your-cities = Your cities
admin-accounts-title = Admin accounts
admin-city-sections = City sections
admin-tab-services = Services by district
admin-tab-health = Provider health
admin-tab-audit = Audit log
admin-switch-intro = Switch each service on or off per district. The map shows the districts; a hatched district has a service switched off.
admin-district = District
admin-all-districts = All districts
admin-all-on = All on
admin-all-off = All off
admin-on = On
admin-off = Off
admin-overridden = (set by an admin)
admin-switch-on = Switch on
admin-switch-off = Switch off
admin-turn-on = Switch { $service } on in { $district }
admin-turn-off = Switch { $service } off in { $district }
admin-reset = Back to config
admin-map-caption = Districts of the city. Choose a district name in the table to outline it here.
admin-provider = Provider
admin-breaker = Circuit breaker
admin-breaker-closed = Working
admin-breaker-open = Failing: calls paused
admin-breaker-half-open = Recovering: testing
admin-latency = Last latency
admin-last-error = Last error
admin-audit-empty = Nothing has been changed yet.
admin-when = When
admin-who = Who
admin-what = What
admin-before = Before
admin-after = After
admin-config = (config)
admin-role = Role
admin-role-platform = Platform admin (all cities)
admin-create-title = Create a city admin
admin-create-cities = Cities they run
admin-create-submit = Create
admin-username-hint = 3 to 32 lowercase letters, digits, dots, dashes or underscores.
admin-error-username = Usernames are 3 to 32 lowercase letters, digits, dots, dashes or underscores.
admin-error-username-taken = That username is taken.
admin-error-password = The password must have 8 to 128 characters.
admin-error-no-cities = Choose at least one city.
admin-error-credentials = That username and password do not match.
admin-error-switch = That switch is not possible.
admin-all-change = Change every district…
admin-all-warning = This switches the service for the whole city at once.

message-welcome-title = Welcome to City Services
message-welcome-body = Your account is ready. Services that need to know who you are will ask before they share anything about you; "My data" lists every share. Add a passkey under "My account" to sign in with your fingerprint or face.
message-contact-added-title = A mobile number or email was added
message-contact-added-body = A mobile number or email address was verified and added to your account. If this was not you, change your password under "My account"; that signs you out everywhere else.
message-passkey-added-title = A passkey was added
message-passkey-added-body = A passkey was added to your account. If this was not you, remove it under "My account" and sign out on every device.
profile-password = Password
profile-password-change = Change password
field-current-password = Current password
field-new-password = New password
account-error-current-password = The current password is not right.
notice-password-changed = Password changed. You are signed out on your other devices.
service-report = Report a problem
