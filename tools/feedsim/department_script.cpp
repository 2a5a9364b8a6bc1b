#include "department_script.hpp"

namespace citywall::feedsim {

DepartmentScript script_for(const std::string& code) {
    if (code == "110")
        return {code,
                {{"police.theft", "盗窃报警", 3},
                 {"police.assault", "打架斗殴", 2},
                 {"police.fraud", "电信诈骗", 3},
                 {"police.disturbance", "扰乱秩序", 4},
                 {"traffic.crash", "交通事故", 2, "120", "medical.injury", "车祸伤员"}},
                3.0,
                "police_car",
                "巡逻",
                12};
    if (code == "119")
        return {code,
                {{"fire.building", "建筑火灾", 1, "110", "police.fire_report", "群众报火警"},
                 {"fire.vehicle", "车辆起火", 2},
                 {"fire.rescue", "抢险救援", 2}},
                0.8,
                "fire_engine",
                "消防",
                11};
    if (code == "120")
        return {code,
                {{"medical.cardiac", "心脏骤停", 1},
                 {"medical.injury", "外伤出血", 2},
                 {"medical.fall", "老人跌倒", 3}},
                1.5,
                "ambulance",
                "急救",
                12};
    if (code == "12345")
        return {code,
                {{"hotline.noise", "噪音扰民", 4},
                 {"hotline.sanitation", "垃圾未清运", 4},
                 {"hotline.water", "停水报修", 3}},
                2.5};
    if (code == "12319")
        return {code,
                {{"city.road_damage", "道路破损", 3},
                 {"city.illegal_parking", "违章停车", 4},
                 {"city.street_vendor", "占道经营", 4}},
                1.5,
                "patrol",
                "城管",
                7};
    if (code == "grid")
        return {code,
                {{"grid.hazard", "安全隐患", 3},
                 {"grid.dispute", "邻里纠纷", 4},
                 {"grid.facility", "设施损坏", 4}},
                1.2,
                "grid_worker",
                "网格员",
                1.4};
    if (code == "iot")
        return {
            code,
            {{"sensor.bridge_tilt", "桥梁倾斜告警", 2}, {"sensor.air_quality", "空气质量超标", 3}},
            0.3};
    return {code, {{"city.other", "其他事件", 4}}, 0.5};
}

}  // namespace citywall::feedsim
