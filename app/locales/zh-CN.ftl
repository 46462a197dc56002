app-name = 城市服务
app-description = 一个页面办理城市公共服务：空气质量等。
switch-language = 切换语言
nav-home = 全部城市
nav-change-city = 切换城市
nav-city-home = 返回城市服务

home-title = 选择您的城市
home-use-location = 使用我的位置
home-locating = 正在获取您的位置…
home-location-failed = 无法获取您的位置，请在下方选择城市。
home-located-outside = 您所在的位置暂未开通服务，请在下方选择城市。
home-continue = 继续前往
home-all-cities = 全部城市

not-found-title = 页面不存在
unknown-city-title = 暂未开通该城市
not-found-offer = 已开通服务的城市：

city-services = 城市服务
city-your-district = 您所在的区
city-district-unknown = 未设置（全市）
city-set-district = 确定
city-no-services = 您所在的区暂无可用服务。
tile-degraded = 服务异常

service-air = 空气质量

error-unknown-city = 暂未开通该城市。
error-service-not-offered = 您所在的地区暂未提供此服务。
error-internal = 系统出现问题，请稍后再试。

air-scale-china = 空气质量指数，国家标准（HJ 633）
air-scale-us = 空气质量指数，美国环保署标准
air-stale = 空气质量数据暂时无法更新，以下为 { $minutes } 分钟前获取的数据。
air-unavailable = 空气质量数据暂时无法获取，请稍后再试。
air-no-stations = 本市暂无监测站点数据。
air-your-district = 您所在的区
air-no-aqi = 该站点未报告计算 AQI 所需的污染物。
air-measured = 监测时间
air-primary = 首要污染物
air-no-primary = 无

aqi-label = 空气质量指数
aqi-china-1 = 优
aqi-china-2 = 良
aqi-china-3 = 轻度污染
aqi-china-4 = 中度污染
aqi-china-5 = 重度污染
aqi-china-6 = 严重污染
aqi-china-advice-1 = 空气质量令人满意，基本无空气污染，各类人群可正常活动。
aqi-china-advice-2 = 空气质量可接受，极少数异常敏感人群应减少户外活动。
aqi-china-advice-3 = 儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼。
aqi-china-advice-4 = 儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动。
aqi-china-advice-5 = 儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动。
aqi-china-advice-6 = 儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动。

aqi-us-1 = 良好
aqi-us-2 = 中等
aqi-us-3 = 对敏感人群不健康
aqi-us-4 = 不健康
aqi-us-5 = 非常不健康
aqi-us-6 = 危险
aqi-us-advice-1 = 空气质量令人满意，空气污染几乎没有风险。
aqi-us-advice-2 = 异常敏感人群应考虑减少长时间或剧烈的户外活动。
aqi-us-advice-3 = 敏感人群应减少长时间或剧烈的户外活动。
aqi-us-advice-4 = 敏感人群应避免长时间或剧烈的户外活动，其他人应减少此类活动。
aqi-us-advice-5 = 敏感人群应避免一切户外体力活动，其他人应避免长时间或剧烈的户外活动。
aqi-us-advice-6 = 所有人都应避免一切户外体力活动。
