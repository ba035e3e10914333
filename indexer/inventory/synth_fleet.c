/* Deterministic generator of a Sharp-Eyes-like camera fleet (see synth_fleet.h).
 * Only integer arithmetic decides the output (coordinates are whole
 * micro-degrees), so a seed gives the same bytes on every machine. */
#include "inventory/synth_fleet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- reference data -------------------------------------------------- */

#define CITY        "南京市"
#define CITY_REGION "320100"
/* City centre in micro-degrees (Xinjiekou). */
#define CENTRE_LAT 32041500
#define CENTRE_LON 118784000

static const struct {
    const char *code, *name, *shortname;
} districts[] = {
    {"320102", "玄武区", "玄武"},     {"320104", "秦淮区", "秦淮"}, {"320105", "建邺区", "建邺"},
    {"320106", "鼓楼区", "鼓楼"},     {"320111", "浦口区", "浦口"}, {"320113", "栖霞区", "栖霞"},
    {"320114", "雨花台区", "雨花台"}, {"320115", "江宁区", "江宁"}, {"320116", "六合区", "六合"},
    {"320117", "溧水区", "溧水"},     {"320118", "高淳区", "高淳"},
};
#define NDISTRICTS (sizeof districts / sizeof districts[0])

static const char *const roads[] = {
    "中山路",     "中山北路", "中山南路", "中山东路",   "汉中路",     "北京东路", "北京西路",
    "龙蟠路",     "虎踞路",   "江东中路", "集庆门大街", "应天大街",   "建宁路",   "模范马路",
    "珠江路",     "广州路",   "上海路",   "草场门大街", "水西门大街", "升州路",   "白下路",
    "太平南路",   "长江路",   "玄武大道", "黄埔路",     "解放路",     "御道街",   "光华路",
    "卡子门大街", "雨花路",   "宁南大道", "双龙大道",   "天元路",     "胜太路",   "仙林大道",
    "文苑路",     "燕山路",   "浦珠路",   "河西大街",   "清凉门大街",
};
#define NROADS (sizeof roads / sizeof roads[0])

static const char *const directions[] = {"东向西", "西向东", "南向北", "北向南"};
static const char *const sides[] = {"东", "西", "南", "北"};

/* Camera label templates: '#' becomes a small number, '@' a side. */
enum label_set {
    L_ROAD, /* intersections, made by road_name() */
    L_OFFICE,
    L_SCHOOL,
    L_HOSPITAL,
    L_STATION,
    L_MALL,
    L_BANK,
    L_COMMUNITY,
    L_FACTORY,
    L_HOTEL,
    L_PARK,
    L_VENUE,
    L_COUNT
};

static const char *const labels[L_COUNT][8] = {
    [L_OFFICE] = {"办公楼大厅", "东门入口", "机房", "档案室", "停车场#号", "#楼走廊", "会议室",
                  "院内@侧"},
    [L_SCHOOL] = {"校门口", "北门入口", "教学楼#层走廊", "操场@侧", "食堂", "宿舍楼#号门",
                  "图书馆大厅", "停车场#号"},
    [L_HOSPITAL] = {"门诊大厅", "急诊入口", "住院部#楼护士站", "挂号收费处", "药房", "停车场#号",
                    "发热门诊", "北门入口"},
    [L_STATION] = {"候车厅#", "进站口#", "出站口#", "售票厅", "安检口#", "站前广场@侧",
                   "出租车上客区", "停车场#号"},
    [L_MALL] = {"中庭", "#楼扶梯口", "收银区#", "B1停车场#号", "东门入口", "货梯厅", "消防通道#",
                "北门入口"},
    [L_BANK] = {"营业厅", "ATM区#号", "现金区柜台#", "金库通道", "门头", "自助服务区", "停车场#号",
                "后门"},
    [L_COMMUNITY] = {"北门入口", "南门入口", "#栋单元门", "地下停车场#号", "周界#", "儿童游乐区",
                     "垃圾分类点#", "东门出口"},
    [L_FACTORY] = {"厂区大门", "仓库#号", "生产车间#", "装卸区", "周界#", "危化品库", "停车场#号",
                   "办公楼大厅"},
    [L_HOTEL] = {"大堂", "前台", "#楼电梯厅", "地下车库#号", "后厨", "东门入口", "停车场#号",
                 "宴会厅"},
    [L_PARK] = {"东门入口", "中心广场", "湖边步道#", "儿童乐园", "停车场#号", "西门入口", "观景台",
                "@侧周界"},
    [L_VENUE] = {"检票口#", "看台@区", "场馆入口", "停车场#号", "售票处", "贵宾通道", "大厅",
                 "东门入口"},
};

/* The 26 municipal departments, largest first: the order in which they are
 * kept when a small fleet has fewer departments. Weights are camera counts
 * at full size; industry codes per GB/T 28181 appendix D. */
static const struct {
    const char *name;
    uint32_t weight;
    uint8_t industry;
    uint8_t network;
    enum label_set labels;
} depts[SYNTH_FLEET_DEPTS_MAX] = {
    {"市公安局", 9000, 0, 5, L_ROAD},
    {"市交通运输局", 2400, 4, 6, L_ROAD},
    {"市城市管理局", 1800, 8, 6, L_ROAD},
    {"市教育局", 1500, 11, 6, L_SCHOOL},
    {"市卫生健康委员会", 900, 9, 6, L_HOSPITAL},
    {"市应急管理局", 600, 3, 6, L_OFFICE},
    {"市住房和城乡建设局", 600, 8, 6, L_OFFICE},
    {"市消防救援支队", 600, 3, 5, L_OFFICE},
    {"市生态环境局", 500, 9, 6, L_OFFICE},
    {"市水务局", 500, 53, 6, L_OFFICE},
    {"市文化和旅游局", 450, 57, 6, L_VENUE},
    {"市市场监督管理局", 400, 3, 6, L_OFFICE},
    {"市绿化园林局", 400, 53, 6, L_PARK},
    {"市农业农村局", 350, 40, 6, L_OFFICE},
    {"市民政局", 300, 58, 6, L_OFFICE},
    {"市自然资源和规划局", 300, 58, 6, L_OFFICE},
    {"市商务局", 250, 45, 6, L_MALL},
    {"市体育局", 250, 57, 6, L_VENUE},
    {"市人民防空办公室", 200, 3, 6, L_OFFICE},
    {"市司法局", 200, 58, 6, L_OFFICE},
    {"市气象局", 150, 58, 6, L_OFFICE},
    {"市人力资源和社会保障局", 120, 58, 6, L_OFFICE},
    {"市数据局", 100, 48, 6, L_OFFICE},
    {"市财政局", 80, 58, 6, L_OFFICE},
    {"市发展和改革委员会", 80, 58, 6, L_OFFICE},
    {"市退役军人事务局", 60, 58, 6, L_OFFICE},
};

/* Key social unit names: '$' becomes a district's short name. */
static const struct {
    const char *pattern;
    uint8_t industry;
    enum label_set labels;
} socials[] = {
    {"$区第一中学", 55, L_SCHOOL},
    {"$区实验小学", 55, L_SCHOOL},
    {"$区外国语学校", 55, L_SCHOOL},
    {"$区第二中学", 55, L_SCHOOL},
    {"$区职业技术学校", 55, L_SCHOOL},
    {"$区人民医院", 56, L_HOSPITAL},
    {"$区中医院", 56, L_HOSPITAL},
    {"$区妇幼保健院", 56, L_HOSPITAL},
    {"$区第二人民医院", 56, L_HOSPITAL},
    {"$汽车客运站", 46, L_STATION},
    {"$区公交枢纽站", 46, L_STATION},
    {"地铁$站", 46, L_STATION},
    {"$万达广场", 45, L_MALL},
    {"$苏宁广场", 45, L_MALL},
    {"$金鹰购物中心", 45, L_MALL},
    {"$区农贸市场", 45, L_MALL},
    {"工商银行$支行", 49, L_BANK},
    {"建设银行$支行", 49, L_BANK},
    {"农业银行$支行", 49, L_BANK},
    {"中国银行$支行", 49, L_BANK},
    {"南京银行$支行", 49, L_BANK},
    {"$区锦绣花园小区", 1, L_COMMUNITY},
    {"$区阳光新村", 1, L_COMMUNITY},
    {"$区银城家园", 1, L_COMMUNITY},
    {"$区金陵小区", 1, L_COMMUNITY},
    {"$区翠竹园", 1, L_COMMUNITY},
    {"$区机械厂", 42, L_FACTORY},
    {"$区电子科技有限公司", 42, L_FACTORY},
    {"$区食品厂", 42, L_FACTORY},
    {"$区燃气供应站", 43, L_FACTORY},
    {"$区国际大酒店", 47, L_HOTEL},
    {"$区锦江之星酒店", 47, L_HOTEL},
    {"$区中心公园", 53, L_PARK},
    {"$区湿地公园", 53, L_PARK},
    {"$区体育中心", 57, L_VENUE},
    {"$区图书馆", 57, L_VENUE},
    {"$区文化馆", 57, L_VENUE},
    {"$区政务服务中心", 58, L_OFFICE},
    {"$区养老服务中心", 56, L_COMMUNITY},
    {"$区物流园", 46, L_FACTORY},
};
#define NSOCIALS (sizeof socials / sizeof socials[0])

/* Weak-but-typical device passwords, percent-encoded where RFC 3986 wants. */
static const char *const passwords[] = {
    "Abc12345",    "admin123",  "Hik12345", "Dh123456",
    "Admin%40123", "Sy2023abc", "jk888888", "Xl%23202401",
};

static const char *const tag_pool[] = {"路口",     "出入口", "重点部位", "周界", "人脸抓拍",
                                       "车辆卡口", "高点",   "室内",     "全景"};

/* ---- deterministic randomness ---------------------------------------- */

static uint64_t next(uint64_t *s)
{
    /* splitmix64: tiny, well mixed, and fixed for all time. */
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(next(s) % n);
}

/* ---- the plan: units and their sizes --------------------------------- */

struct unit {
    char id[32]; /* 20 digits; room to keep -Wformat-truncation calm */
    char name[96];
    const char *region; /* district code, or the city's for departments */
    int district;       /* -1: city-wide */
    uint8_t industry, network;
    enum label_set labels;
    uint32_t cameras;
    int32_t lat, lon; /* unit centre, micro-degrees */
    uint32_t password;
};

struct plan {
    uint32_t cameras, nunits, ndepts;
    uint16_t port, http_port, rtmp_port;
    uint64_t seed;
    struct unit *units;
};

uint32_t synth_fleet_addr(uint32_t index)
{
    uint32_t x = index / 254, y = index % 254 + 1;
    return (127u << 24) | ((1u + x / 256) << 16) | ((x % 256) << 8) | y;
}

static void expand(char *out, size_t cap, const char *pattern, const char *dist)
{
    size_t o = 0, dl = strlen(dist);
    for (const char *p = pattern; *p && o + 1 < cap; p++) {
        if (*p == '$' && o + dl + 1 < cap) {
            memcpy(out + o, dist, dl);
            o += dl;
        } else if (*p != '$') {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

struct remainder {
    uint64_t frac;
    uint32_t unit;
};

static int remainder_cmp(const void *a, const void *b)
{
    const struct remainder *x = a, *y = b;
    if (x->frac != y->frac)
        return x->frac > y->frac ? -1 : 1;
    return x->unit < y->unit ? -1 : x->unit > y->unit;
}

static int make_plan(const struct synth_fleet_opts *o, struct plan *p)
{
    memset(p, 0, sizeof *p);
    p->cameras = o->cameras ? o->cameras : SYNTH_FLEET_CAMERAS_DEFAULT;
    if (p->cameras > SYNTH_FLEET_CAMERAS_MAX)
        return -EINVAL;
    if (o->units) {
        if (o->units > p->cameras)
            return -EINVAL;
        p->nunits = o->units;
    } else {
        /* Keep the full-size ratio of cameras per unit, for small fleets
         * and for a province's alike (4,930 units at 1,000,000). */
        uint64_t u =
            ((uint64_t)SYNTH_FLEET_UNITS_DEFAULT * p->cameras + SYNTH_FLEET_CAMERAS_DEFAULT / 2) /
            SYNTH_FLEET_CAMERAS_DEFAULT;
        if (u < 2)
            u = 2;
        if (u > p->cameras)
            u = p->cameras;
        p->nunits = (uint32_t)u;
    }
    if (p->nunits == 1) {
        p->ndepts = 1;
    } else {
        uint64_t d = ((uint64_t)p->nunits * SYNTH_FLEET_DEPTS_MAX + SYNTH_FLEET_UNITS_DEFAULT / 2) /
                     SYNTH_FLEET_UNITS_DEFAULT;
        if (d < 1)
            d = 1;
        if (d > SYNTH_FLEET_DEPTS_MAX)
            d = SYNTH_FLEET_DEPTS_MAX;
        if (d > p->nunits - 1)
            d = p->nunits - 1;
        p->ndepts = (uint32_t)d;
    }
    p->port = o->port ? o->port : 8554;
    p->http_port = o->http_port ? o->http_port : 8080;
    p->rtmp_port = o->rtmp_port ? o->rtmp_port : 1935;
    p->seed = o->seed;
    p->units = calloc(p->nunits, sizeof *p->units);
    if (!p->units)
        return -ENOMEM;

    uint64_t rs = o->seed ^ 0x5EED0F1EE7ull;
    uint64_t *w = calloc(p->nunits, sizeof *w);
    /* Social unit names: every (district, pattern) pair once, in a seeded
     * order; past that, numbered branches keep the names distinct. */
    uint32_t pairs = (uint32_t)(NDISTRICTS * NSOCIALS);
    uint32_t *order = calloc(pairs, sizeof *order);
    if (!w || !order) {
        free(w);
        free(order);
        free(p->units);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < pairs; i++)
        order[i] = i;
    for (uint32_t i = pairs - 1; i > 0; i--) {
        uint32_t j = below(&rs, i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    uint64_t total = 0;
    for (uint32_t u = 0; u < p->nunits; u++) {
        struct unit *un = &p->units[u];
        if (u < p->ndepts) {
            snprintf(un->name, sizeof un->name, "%s", depts[u].name);
            un->region = CITY_REGION;
            un->district = -1;
            un->industry = depts[u].industry;
            un->network = depts[u].network;
            un->labels = depts[u].labels;
            /* Past 212 units the departments grow with the fleet, so they
             * keep about half of it rather than drowning in social units. */
            w[u] = p->nunits > SYNTH_FLEET_UNITS_DEFAULT
                       ? (uint64_t)depts[u].weight * p->nunits / SYNTH_FLEET_UNITS_DEFAULT
                       : depts[u].weight;
            un->lat = CENTRE_LAT;
            un->lon = CENTRE_LON;
        } else {
            uint32_t k = u - p->ndepts, pair = order[k % pairs], round = k / pairs;
            uint32_t d = pair % NDISTRICTS, s = pair / NDISTRICTS;
            expand(un->name, sizeof un->name, socials[s].pattern, districts[d].shortname);
            if (round)
                snprintf(un->name + strlen(un->name), sizeof un->name - strlen(un->name),
                         "第%u分部", round + 1);
            un->region = districts[d].code;
            un->district = (int)d;
            un->industry = socials[s].industry;
            un->network = 8;
            un->labels = socials[s].labels;
            /* Tens to a few hundred cameras, a long tail of big sites. */
            w[u] = 20 + below(&rs, 131);
            if (below(&rs, 5) == 0)
                w[u] += below(&rs, 300);
            un->lat = CENTRE_LAT + (int32_t)below(&rs, 300001) - 150000;
            un->lon = CENTRE_LON + (int32_t)below(&rs, 360001) - 180000;
        }
        un->password = below(&rs, (uint32_t)(sizeof passwords / sizeof passwords[0]));
        /* Units are virtual organisations (type 216) under their region. */
        snprintf(un->id, sizeof un->id, "%s00%02u216%u%06u", un->region,
                 (unsigned)un->industry % 100, (unsigned)un->network % 10, (u + 1) % 1000000);
        total += w[u];
    }
    /* Every unit gets one camera, the rest goes by weight (largest
     * remainder, ties to the earlier unit), so sizes sum to exactly N. */
    uint64_t rest = p->cameras - p->nunits, given = 0;
    uint64_t *frac = calloc(p->nunits, sizeof *frac);
    if (!frac) {
        free(w);
        free(order);
        free(p->units);
        return -ENOMEM;
    }
    for (uint32_t u = 0; u < p->nunits; u++) {
        uint64_t share = rest * w[u];
        p->units[u].cameras = 1 + (uint32_t)(share / total);
        frac[u] = share % total;
        given += share / total;
    }
    /* Largest remainders first, ties to the earlier unit: one sort, not a
     * scan per camera left over (thousands of units at a province's size). */
    struct remainder *by_rem = calloc(p->nunits, sizeof *by_rem);
    if (!by_rem) {
        free(frac);
        free(w);
        free(order);
        free(p->units);
        return -ENOMEM;
    }
    for (uint32_t u = 0; u < p->nunits; u++)
        by_rem[u] = (struct remainder){frac[u], u};
    qsort(by_rem, p->nunits, sizeof *by_rem, remainder_cmp);
    for (uint32_t k = 0; given < rest; k++, given++)
        p->units[by_rem[k].unit].cameras++;
    free(by_rem);
    free(frac);
    free(w);
    free(order);
    return 0;
}

/* ---- cameras --------------------------------------------------------- */

struct camtext {
    char id[32], name[160], url[256], address[200], tags[64];
};

static void label_name(char *out, size_t cap, const struct unit *un, uint64_t *rs)
{
    if (un->labels == L_ROAD) {
        uint32_t a = below(rs, NROADS), b = (a + 1 + below(rs, NROADS - 1)) % NROADS;
        snprintf(out, cap, "%s与%s交叉口%s", roads[a], roads[b], directions[below(rs, 4)]);
        return;
    }
    const char *t = labels[un->labels][below(rs, 8)];
    size_t o = 0;
    for (const char *c = t; *c && o + 8 < cap; c++) {
        if (*c == '#')
            o += (size_t)snprintf(out + o, cap - o, "%u", 1 + below(rs, 6));
        else if (*c == '@')
            o += (size_t)snprintf(out + o, cap - o, "%s", sides[below(rs, 4)]);
        else
            out[o++] = *c;
    }
    out[o] = '\0';
}

static void make_url(char *out, size_t cap, const struct plan *p, const struct unit *un,
                     uint32_t idx, const char *id, uint64_t *rs)
{
    uint32_t a = synth_fleet_addr(idx);
    char host[16];
    snprintf(host, sizeof host, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    uint32_t kind = below(rs, 1000);
    char cred[48] = "";
    /* Some cameras are left open (or behind an ACL) and have no credentials. */
    if (below(rs, 100) >= 6) {
        uint32_t pw = below(rs, 10) < 8
                          ? un->password
                          : below(rs, (uint32_t)(sizeof passwords / sizeof passwords[0]));
        snprintf(cred, sizeof cred, "%s:%s@", below(rs, 10) ? "admin" : "operator", passwords[pw]);
    }
    if (kind < 600) {
        uint32_t ch = below(rs, 10) < 8 ? 1 : 1 + below(rs, 8);
        snprintf(out, cap, "rtsp://%s%s:%u/Streaming/Channels/%u0%u", cred, host, (unsigned)p->port,
                 ch, below(rs, 20) ? 1u : 2u);
    } else if (kind < 950) {
        uint32_t ch = below(rs, 10) < 8 ? 1 : 1 + below(rs, 4);
        snprintf(out, cap, "rtsp://%s%s:%u/cam/realmonitor?channel=%u&subtype=%u", cred, host,
                 (unsigned)p->port, ch, below(rs, 20) ? 0u : 1u);
    } else if (kind < 970) {
        snprintf(out, cap, "rtsp://%s%s:%u/h264/ch1/main/av_stream", cred, host, (unsigned)p->port);
    } else if (kind < 980) {
        snprintf(out, cap, "http://%s:%u/hls/%s.m3u8", host, (unsigned)p->http_port, id);
    } else if (kind < 990) {
        snprintf(out, cap, "http://%s:%u/live/%s.flv", host, (unsigned)p->http_port, id);
    } else {
        snprintf(out, cap, "rtmp://%s:%u/live/%s", host, (unsigned)p->rtmp_port, id);
    }
}

static int run_plan(const struct plan *p, int (*cb)(const struct inv_camera *, void *), void *ctx)
{
    uint64_t rs = p->seed ^ 0xCA3E7A5ull;
    struct camtext t;
    uint32_t idx = 0;
    for (uint32_t u = 0; u < p->nunits; u++) {
        const struct unit *un = &p->units[u];
        for (uint32_t k = 0; k < un->cameras; k++, idx++) {
            struct inv_camera c = {.unit_id = un->id, .unit_name = un->name, .line = idx + 2};
            int d = un->district >= 0 ? un->district : (int)below(&rs, NDISTRICTS);
            /* IPCs outnumber analogue cameras behind encoders. */
            unsigned type = below(&rs, 100) < 85 ? 132 : 131;
            /* The serial has 6 digits; the grassroots unit (00 for the
             * first 999,999 cameras) counts the millions beyond. */
            snprintf(t.id, sizeof t.id, "%s%02u%02u%u%u%06u", districts[d].code,
                     (unsigned)(idx / SYNTH_FLEET_SERIALS), (unsigned)un->industry % 100, type,
                     (unsigned)un->network % 10, (unsigned)(idx % SYNTH_FLEET_SERIALS + 1));
            label_name(t.name, sizeof t.name, un, &rs);
            make_url(t.url, sizeof t.url, p, un, idx, t.id, &rs);
            t.address[0] = '\0';
            if (below(&rs, 10) < 7) {
                /* Separate statements: argument evaluation order is unspecified
                 * and would make the output compiler-dependent. */
                uint32_t road = below(&rs, NROADS);
                uint32_t number = 1 + below(&rs, 399);
                snprintf(t.address, sizeof t.address, CITY "%s%s%u号", districts[d].name,
                         roads[road], number);
            }
            t.tags[0] = '\0';
            if (below(&rs, 2)) {
                uint32_t a = below(&rs, 9), b = (a + 1 + below(&rs, 8)) % 9;
                if (below(&rs, 2))
                    snprintf(t.tags, sizeof t.tags, "%s,%s", tag_pool[a], tag_pool[b]);
                else
                    snprintf(t.tags, sizeof t.tags, "%s", tag_pool[a]);
            }
            if (below(&rs, 4) < 3) {
                /* Departments spread over the city, social units stay on site. */
                int32_t spread_lat = un->district >= 0 ? 3000 : 150000;
                int32_t spread_lon = un->district >= 0 ? 3000 : 180000;
                int32_t la =
                    un->lat + (int32_t)below(&rs, (uint32_t)(2 * spread_lat + 1)) - spread_lat;
                int32_t lo =
                    un->lon + (int32_t)below(&rs, (uint32_t)(2 * spread_lon + 1)) - spread_lon;
                c.has_location = true;
                c.lat = la / 1e6;
                c.lon = lo / 1e6;
            }
            uint32_t r = below(&rs, 100);
            if (r < 90) {
                c.width = r < 55 ? 1920 : r < 78 ? 2560 : 1280;
                c.height = r < 55 ? 1080 : r < 78 ? 1440 : 720;
                c.fps = 25;
            }
            c.id = t.id;
            c.name = t.name;
            c.url = t.url;
            c.address = t.address;
            c.tags = t.tags;
            int rc = cb(&c, ctx);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int synth_fleet_run(const struct synth_fleet_opts *o, int (*cb)(const struct inv_camera *cam, void *ctx),
                 void *ctx)
{
    if (!o || !cb)
        return -EINVAL;
    struct plan p;
    int rc = make_plan(o, &p);
    if (rc < 0)
        return rc;
    rc = run_plan(&p, cb, ctx);
    free(p.units);
    return rc;
}

/* ---- CSV output ------------------------------------------------------ */

static void put_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Micro-degrees as a fixed 6-decimal number, without floating point. */
static void put_degrees(FILE *f, double deg)
{
    long long micro = deg < 0 ? (long long)(deg * 1e6 - 0.5) : (long long)(deg * 1e6 + 0.5);
    long long a = micro < 0 ? -micro : micro;
    fprintf(f, "%s%lld.%06lld", micro < 0 ? "-" : "", a / 1000000, a % 1000000);
}

static int write_row(const struct inv_camera *c, void *ctx)
{
    FILE *f = ctx;
    const char *text[] = {c->id, c->name, c->unit_id, c->unit_name, c->url};
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
        put_field(f, text[i]);
        fputc(',', f);
    }
    if (c->has_location) {
        put_degrees(f, c->lat);
        fputc(',', f);
        put_degrees(f, c->lon);
    } else {
        fputc(',', f);
    }
    fputc(',', f);
    put_field(f, c->address);
    fputc(',', f);
    put_field(f, c->tags);
    fputc(',', f);
    if (c->width)
        fprintf(f, "%ux%u", (unsigned)c->width, (unsigned)c->height);
    fputc(',', f);
    if (c->fps)
        fprintf(f, "%u", (unsigned)c->fps);
    fputc('\n', f);
    return ferror(f) ? -EIO : 0;
}

int synth_fleet_write_csv(FILE *f, const struct synth_fleet_opts *o)
{
    if (!f || !o)
        return -EINVAL;
    fputs("id,name,unit_id,unit_name,url,lat,lon,address,tags,resolution,fps\n", f);
    int rc = synth_fleet_run(o, write_row, f);
    if (rc == 0 && (fflush(f) != 0 || ferror(f)))
        rc = -EIO;
    return rc;
}
