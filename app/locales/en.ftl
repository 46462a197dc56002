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
