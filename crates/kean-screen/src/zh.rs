//! Chinese-language tables written for kean: Traditional → Simplified characters common in
//! organization and person names, a bilingual dictionary of the generic words of organization
//! names (plus provinces, major cities, countries and a few well-known brand names), legal forms,
//! common surnames with their romanisations, and Chinese numerals.
//!
//! English values use a tiny notation: words separated by spaces become separate tokens; a word
//! starting with `?` is optional (it counts only if the other name has it); `a|b` lists
//! alternatives for one token. Legal forms are given as `@co` (company family) or `@group`.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Pairs of (Traditional, Simplified) characters, two strings of equal char length.
const T2S_TRAD: &str = "華為術業電腦訊與產機構學國際傳達導體積東廣開發間關門問們長張陳劉趙孫吳鄭馮蔣韓楊黃許鄧蕭葉羅譚盧錢龍萬鐘鍾顧賈蘇陸湯閻歐陽軍車輪軟輸轉農鋼鐵銀錫鋁銅礦針鏈錄鎮陣險隊隨雲靈頻顯類風飛館馬駐驗髮魯鳥鳳鴻麗齊齒億價優倫偉傑備兒內兩凱創劃動勞勢區協單衛廠縣參叢員啟圖團圓園場報壓壽夢獎實寧審寫將對屬嶺島幣師帶應強歸彈徑從復徵憶戰撥擁據擴擊數斷於時晉暉書會條來極標樂樓樹檢權氣漢測濟濤灣災烏無熱燈營爾牽獨環現瑪畫畢盡監盤碼確禮種稱穩競筆節範築簡糧係紀約紅紡細組結絡給統絲經綜綠維網線緣編縮總績織繼續義習聯聲職聽肅興舉艦萊藝藥蘭處號蟲補製複規視親觀計訂記設診話詢試該誠認語說調論諾證識譜護讀變讓豐貝財貨質貿資賽贊趕軌載輔輕輝辦這連進遊運過遠適選遼還郵鄉醫釋釣鈦鉅銷鋒錦鍵鎖鏡閃閩閣陝陰雙雜離難靜頂項順預領頭題額顏願飯養駕騰驅鬥魚鮮鹽麥黨點龜儀廈貴滬淵瀋漁濱嶽臺橫衝鐳鎢鍛鑄務殲層屆歲歷曆灑準幾鬆麵後裡並佈傢僅剛勁匯嚴壇夠奮寶專尋峽巖幫庫廳彙徹懷戶揚換撐擔擬攝敵暢曉棧榮槍樣橋檔櫃歡殺氫決沖況沒渦溫滅滿漲潔潤澤濕濾爐狀獲獻瓊療盜眾矽碩磚礎禦稅穀窮籌簽紐純紙級納紹終絕綱緊緒練緯縱繩纜罰聖聞脈膠臉臨艙莊蓋薦薩藍蘋蘆虛蝦衆裝襲覺覽訓託訪詳誌課誼諮謀謝謹譯豬貞負貢販責貸費賀賓賣賴購贏跡蹤躍軸較輛轄辭邁邊酈釀鈞鈺鉛鉑銘鋰鋅錠錯鍍鎂閉闊隱雞霧韻響頁頌頓頒頸顆颱飄餘駛騎鬱鯨鳴鵬鶴黃齡衛鐵鋼嶼灘壩礦鑒譽揮擇擬錶鐘晶瑩縣鄰貫輯";
const T2S_SIMP: &str = "华为术业电脑讯与产机构学国际传达导体积东广开发间关门问们长张陈刘赵孙吴郑冯蒋韩杨黄许邓萧叶罗谭卢钱龙万钟钟顾贾苏陆汤阎欧阳军车轮软输转农钢铁银锡铝铜矿针链录镇阵险队随云灵频显类风飞馆马驻验发鲁鸟凤鸿丽齐齿亿价优伦伟杰备儿内两凯创划动劳势区协单卫厂县参丛员启图团圆园场报压寿梦奖实宁审写将对属岭岛币师带应强归弹径从复征忆战拨拥据扩击数断于时晋晖书会条来极标乐楼树检权气汉测济涛湾灾乌无热灯营尔牵独环现玛画毕尽监盘码确礼种称稳竞笔节范筑简粮系纪约红纺细组结络给统丝经综绿维网线缘编缩总绩织继续义习联声职听肃兴举舰莱艺药兰处号虫补制复规视亲观计订记设诊话询试该诚认语说调论诺证识谱护读变让丰贝财货质贸资赛赞赶轨载辅轻辉办这连进游运过远适选辽还邮乡医释钓钛钜销锋锦键锁镜闪闽阁陕阴双杂离难静顶项顺预领头题额颜愿饭养驾腾驱斗鱼鲜盐麦党点龟仪厦贵沪渊沈渔滨岳台横冲镭钨锻铸务歼层届岁历历洒准几松面后里并布家仅刚劲汇严坛够奋宝专寻峡岩帮库厅汇彻怀户扬换撑担拟摄敌畅晓栈荣枪样桥档柜欢杀氢决冲况没涡温灭满涨洁润泽湿滤炉状获献琼疗盗众硅硕砖础御税谷穷筹签纽纯纸级纳绍终绝纲紧绪练纬纵绳缆罚圣闻脉胶脸临舱庄盖荐萨蓝苹芦虚虾众装袭觉览训托访详志课谊咨谋谢谨译猪贞负贡贩责贷费贺宾卖赖购赢迹踪跃轴较辆辖辞迈边郦酿钧钰铅铂铭锂锌锭错镀镁闭阔隐鸡雾韵响页颂顿颁颈颗台飘余驶骑郁鲸鸣鹏鹤黄龄卫铁钢屿滩坝矿鉴誉挥择拟表钟晶莹县邻贯辑";

fn t2s_map() -> &'static HashMap<char, char> {
    static MAP: OnceLock<HashMap<char, char>> = OnceLock::new();
    MAP.get_or_init(|| T2S_TRAD.chars().zip(T2S_SIMP.chars()).filter(|(t, s)| t != s).collect())
}

/// Traditional → Simplified for one character (identity when not in the table).
pub fn t2s(c: char) -> char {
    t2s_map().get(&c).copied().unwrap_or(c)
}

/// Is `c` a Han (CJK unified ideograph) character?
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// The bilingual dictionary: Chinese word → English tokens (notation in the module docs).
const DICT: &[(&str, &str)] = &[
    // legal forms (weak evidence, separate token class)
    ("公司", "@co"),
    ("有限公司", "@ltd"),
    ("有限责任公司", "@ltd"),
    ("股份有限公司", "@ltd"),
    ("股份公司", "@ltd"),
    ("责任公司", "@ltd"),
    ("总公司", "@co"),
    ("株式会社", "@ltd"),
    ("集团", "@group"),
    ("集团公司", "@group"),
    ("集团有限公司", "@group"),
    ("集团股份有限公司", "@group"),
    ("控股", "holding"),
    ("股份", "@ltd"),
    ("工业大学", "?industry ?polytechnic university|institute ?technology"),
    ("奇虎", "qihoo"),
    ("分公司", "branch"),
    ("子公司", "subsidiary"),
    ("合资", "joint venture"),
    // generic words of organization names
    ("技术", "technology"),
    ("科技", "?science technology"),
    ("科学", "science"),
    ("科学技术", "science technology"),
    ("高科技", "?high technology"),
    ("工程", "engineering"),
    ("电子", "electronic"),
    ("微电子", "microelectronic"),
    ("电气", "electric"),
    ("电力", "power|electric"),
    ("电器", "electric|appliance"),
    ("通信", "communication"),
    ("通讯", "communication"),
    ("电信", "telecommunication"),
    ("半导体", "semiconductor"),
    ("集成电路", "integrated circuit"),
    ("芯片", "chip"),
    ("光电", "optoelectronic|photoelectric"),
    ("光电子", "optoelectronic"),
    ("光学", "optic"),
    ("激光", "laser"),
    ("仪器", "instrument"),
    ("仪表", "instrument|meter"),
    ("智能", "intelligent|intelligence|smart"),
    ("人工智能", "artificial intelligence|ai"),
    ("软件", "software"),
    ("信息", "information"),
    ("网络", "network"),
    ("数据", "data"),
    ("数字", "digital"),
    ("计算机", "computer"),
    ("计算", "computing"),
    ("系统", "system"),
    ("设备", "equipment"),
    ("装备", "equipment"),
    ("制造", "manufacturing"),
    ("材料", "material"),
    ("新材料", "new material"),
    ("化工", "chemical"),
    ("食品", "food|foods"),
    ("药业", "pharmaceutical|pharmaceuticals"),
    ("种业", "seed|seeds"),
    ("环保", "environmental"),
    ("化学", "chemical|chemistry"),
    ("生物", "biological|bio|biotechnology"),
    ("医药", "pharmaceutical"),
    ("制药", "pharmaceutical"),
    ("医疗", "medical"),
    ("能源", "energy"),
    ("核", "nuclear"),
    ("航空", "aviation|aeronautic|aero|aircraft"),
    ("航天", "aerospace|astronautic|space"),
    ("宇航", "aerospace"),
    ("航太", "aerospace"),
    ("船舶", "shipbuilding|ship"),
    ("造船", "shipbuilding"),
    ("兵器", "ordnance|weapon"),
    ("军械", "ordnance"),
    ("工业", "industry"),
    ("重工", "heavy industry"),
    ("产业", "industry"),
    ("实业", "industry"),
    ("国际", "international"),
    ("中国", "china"),
    ("中华", "china"),
    ("国家", "national|state"),
    ("国防", "national defense"),
    ("防务", "defense"),
    ("防卫", "defense"),
    ("物理", "physic"),
    ("研究", "research"),
    ("研发", "research development"),
    ("研究院", "?research academy|institute"),
    ("研究所", "?research institute"),
    ("研究中心", "?research center"),
    ("中心", "center"),
    ("实验室", "laboratory"),
    ("重点实验室", "key laboratory"),
    ("大学", "university"),
    ("学院", "college|institute|academy"),
    ("科学院", "academy science"),
    ("工程院", "academy engineering"),
    ("理工", "?science technology"),
    ("贸易", "trading|trade"),
    ("商贸", "trading|trade"),
    ("进出口", "import export"),
    ("发展", "development"),
    ("开发", "development"),
    ("投资", "investment"),
    ("风险投资", "venture"),
    ("服务", "service"),
    ("咨询", "consulting"),
    ("管理", "management"),
    ("物流", "logistic"),
    ("运输", "transport"),
    ("航运", "shipping"),
    ("船务", "shipping"),
    ("海运", "shipping|maritime"),
    ("海洋", "ocean|marine|oceanic"),
    ("石油", "petroleum|oil"),
    ("石化", "petrochemical"),
    ("天然气", "gas"),
    ("钢铁", "steel"),
    ("矿业", "mining"),
    ("电池", "battery"),
    ("汽车", "automobile|auto|automotive"),
    ("精密", "precision"),
    ("雷达", "radar"),
    ("导弹", "missile"),
    ("火控", "fire control"),
    ("导航", "navigation"),
    ("卫星", "satellite"),
    ("遥感", "remote sensing"),
    ("无人机", "unmanned drone|uav"),
    ("无人", "unmanned"),
    ("机器人", "robot|robotic"),
    ("自动化", "automation"),
    ("控制", "control"),
    ("动力", "dynamic|power"),
    ("通用", "general"),
    ("先进", "advanced"),
    ("量子", "quantum"),
    ("存储", "memory|storage"),
    ("安全", "security|safety"),
    ("监控", "surveillance|monitoring"),
    ("视频", "video"),
    ("图像", "image|imaging"),
    ("视觉", "vision"),
    ("声学", "acoustic"),
    ("电磁", "electromagnetic"),
    ("测控", "measurement control"),
    ("测试", "test|testing"),
    ("检测", "testing|inspection"),
    ("战术", "tactical"),
    ("任务", "mission"),
    ("陆地", "land"),
    ("解决方案", "solution"),
    ("方案", "solution"),
    ("模拟", "simulation"),
    ("应用", "applied|application"),
    ("联合", "united|joint|allied"),
    ("联邦", "federal"),
    ("全球", "global"),
    ("环球", "global"),
    ("太平洋", "pacific"),
    ("北方", "northern|north"),
    ("南方", "southern|south"),
    ("东方", "eastern|orient|east"),
    ("西北", "northwest|northwestern"),
    ("东北", "northeast|northeastern"),
    ("西南", "southwest|southwestern"),
    ("东南", "southeast|southeastern"),
    ("华东", "east china"),
    ("华北", "north china"),
    ("华南", "south china"),
    ("新能源", "new energy"),
    ("电网", "grid"),
    ("建设", "construction"),
    ("建筑", "construction|architecture"),
    ("银行", "bank"),
    ("金融", "financial|finance"),
    ("图书馆", "library"),
    ("基金会", "foundation"),
    ("协会", "association"),
    ("委员会", "committee|commission"),
    ("论坛", "forum"),
    ("医院", "hospital"),
    ("学校", "school"),
    ("大学校", "university"),
    ("工厂", "factory|plant"),
    ("厂", "factory|plant"),
    ("钢铁厂", "steel"),
    ("农业", "agricultural|agriculture"),
    ("医科", "medical"),
    ("师范", "normal"),
    ("财经", "finance economics"),
    ("交通", "jiaotong|transportation|communication"),
    ("邮电", "post telecommunication|posts"),
    ("航空航天", "aeronautic astronautic|aerospace"),
    ("经济", "economic"),
    ("政法", "political science law"),
    ("外国语", "foreign studies"),
    ("先进技术", "advanced technology"),
    ("市场", "market"),
    ("人民", "people"),
    ("解放军", "liberation army|pla"),
    ("重型", "heavy"),
    ("微波", "microwave"),
    ("红外", "infrared"),
    ("传感", "sensor|sensing"),
    ("传感器", "sensor"),
    ("电子元件", "electronic component"),
    ("元器件", "component"),
    ("精工", "precision"),
    ("机电", "electromechanical|mechanical electrical"),
    ("物资", "material|supply"),
    ("供应链", "supply chain"),
    ("科研", "research"),
    ("总体", "?overall|general"),
    ("所", "institute"),
    ("未来", "future"),
    ("创新", "innovation|innovative"),
    ("环境", "environment|environmental"),
    ("生态", "ecological|ecology"),
    ("能力", "capability"),
    ("公共", "public"),
    ("公安局", "public security bureau"),
    ("公安", "public security"),
    ("局", "bureau"),
    ("生产", "production"),
    ("兵团", "corps"),
    ("军事", "military"),
    ("医学", "medical|medicine"),
    ("基础", "basic"),
    ("疾病", "disease"),
    ("预防", "prevention"),
    ("控制中心", "control center"),
    ("电子设备", "electronic equipment"),
    ("纺织", "textile"),
    ("印染", "printing dyeing"),
    ("港口", "port"),
    ("机场", "airport"),
    ("航空公司", "airline"),
    ("物联网", "iot|internet thing"),
    ("互联网", "internet"),
    ("云计算", "cloud computing"),
    ("大数据", "big data"),
    ("超级计算", "supercomputing"),
    ("超算", "supercomputing"),
    ("电子商务", "ecommerce|electronic commerce"),
    ("科学技术大学", "university science technology"),
    // generic words found missing by comparing China's lists' zh/en pairs
    ("运营", "operation"),
    ("自治", "autonomy|autonomous"),
    ("边缘", "edge"),
    ("红色", "red"),
    ("蓝色", "blue"),
    ("急速", "rapid"),
    ("飞行", "flight|flying"),
    ("海岸", "coastal|coast"),
    ("沿海", "coastal"),
    ("原子", "atomic"),
    ("集成", "integration|integrated"),
    ("企业", "enterprise"),
    ("研究与", "study"),
    ("调查", "investigation|survey"),
    ("政策", "policy"),
    ("战略", "strategic|strategy"),
    ("和平", "peace"),
    ("民主", "democracy|democratic"),
    ("人权", "human right"),
    ("自由", "freedom|liberty"),
    ("基金", "fund"),
    ("议会", "parliament|congress"),
    ("国会", "congress"),
    ("观察", "watch"),
    ("防御", "defense"),
    ("空中", "aerial|air"),
    ("海上", "maritime|marine|sea"),
    ("水下", "underwater|undersea"),
    ("潜航", "undersea|submarine"),
    ("船厂", "shipyard"),
    ("造船厂", "shipyard"),
    ("机械", "machinery|mechanical"),
    ("工业公司", "industry"),
    ("实验", "experimental|lab"),
    ("联合体", "consortium"),
    ("合伙", "partnership|partner"),
    ("伙伴", "partner"),
    ("领域", "domain|field"),
    ("力量", "force|power"),
    ("信息技术", "information technology"),
    ("解决", "solution"),
    // well-known companies whose Chinese name is a translation or transliteration
    ("雷神", "raytheon"),
    ("洛克希德", "lockheed"),
    ("马丁", "martin"),
    ("波音", "boeing"),
    ("诺斯罗普", "northrop"),
    ("格鲁曼", "grumman"),
    ("霍尼韦尔", "honeywell"),
    ("通用原子", "general atomic"),
    ("特励达", "teledyne"),
    ("三菱", "mitsubishi"),
    ("川崎", "kawasaki"),
    ("安杜里尔", "anduril"),
    ("哈德逊", "hudson"),
    ("里根", "reagan"),
    ("奎托斯", "kratos"),
    ("铁山", "ironmountain|iron mountain"),
    ("院", "academy|institute"),
    // administrative suffixes (optional)
    ("省", "?province"),
    ("市", "?city"),
    ("区", "?district"),
    ("县", "?county"),
    ("自治区", "?autonomous region"),
    ("特别行政区", "?sar"),
    // provinces and regions
    ("北京", "^beijing"),
    ("上海", "^shanghai"),
    ("天津", "^tianjin"),
    ("重庆", "^chongqing"),
    ("河北", "^hebei"),
    ("山西", "^shanxi"),
    ("辽宁", "^liaoning"),
    ("吉林", "^jilin"),
    ("黑龙江", "^heilongjiang"),
    ("江苏", "^jiangsu"),
    ("浙江", "^zhejiang"),
    ("安徽", "^anhui"),
    ("福建", "^fujian"),
    ("江西", "^jiangxi"),
    ("山东", "^shandong"),
    ("河南", "^henan"),
    ("湖北", "^hubei"),
    ("湖南", "^hunan"),
    ("广东", "^guangdong"),
    ("海南", "^hainan"),
    ("四川", "^sichuan"),
    ("贵州", "^guizhou"),
    ("云南", "^yunnan"),
    ("陕西", "^shaanxi|shanxi"),
    ("甘肃", "^gansu"),
    ("青海", "^qinghai"),
    ("台湾", "^taiwan"),
    ("内蒙古", "^inner mongolia"),
    ("广西", "^guangxi"),
    ("西藏", "^tibet|xizang"),
    ("宁夏", "^ningxia"),
    ("新疆", "^xinjiang"),
    ("香港", "^hong kong"),
    ("澳门", "^macau|macao"),
    // major cities
    ("深圳", "^shenzhen"),
    ("广州", "^guangzhou"),
    ("杭州", "^hangzhou"),
    ("南京", "^nanjing"),
    ("武汉", "^wuhan"),
    ("成都", "^chengdu"),
    ("西安", "^xian"),
    ("哈尔滨", "^harbin"),
    ("长沙", "^changsha"),
    ("沈阳", "^shenyang"),
    ("大连", "^dalian"),
    ("青岛", "^qingdao"),
    ("厦门", "^xiamen"),
    ("苏州", "^suzhou"),
    ("无锡", "^wuxi"),
    ("宁波", "^ningbo"),
    ("合肥", "^hefei"),
    ("郑州", "^zhengzhou"),
    ("济南", "^jinan"),
    ("太原", "^taiyuan"),
    ("石家庄", "^shijiazhuang"),
    ("长春", "^changchun"),
    ("福州", "^fuzhou"),
    ("昆明", "^kunming"),
    ("南昌", "^nanchang"),
    ("贵阳", "^guiyang"),
    ("兰州", "^lanzhou"),
    ("绵阳", "^mianyang"),
    ("珠海", "^zhuhai"),
    ("东莞", "^dongguan"),
    ("佛山", "^foshan"),
    ("常州", "^changzhou"),
    ("南通", "^nantong"),
    ("烟台", "^yantai"),
    ("洛阳", "^luoyang"),
    ("株洲", "^zhuzhou"),
    ("晋中", "^jinzhong"),
    ("榆次", "^yuci"),
    ("大同", "^datong"),
    ("临汾", "^linfen"),
    ("运城", "^yuncheng"),
    ("长治", "^changzhi"),
    ("阳泉", "^yangquan"),
    ("忻州", "^xinzhou"),
    ("吕梁", "^lvliang|luliang"),
    ("晋城", "^jincheng"),
    ("台北", "^taipei"),
    ("新竹", "^hsinchu"),
    ("高雄", "^kaohsiung"),
    ("台中", "^taichung"),
    ("中山", "^zhongshan"),
    ("温州", "^wenzhou"),
    ("泉州", "^quanzhou"),
    ("徐州", "^xuzhou"),
    ("扬州", "^yangzhou"),
    ("镇江", "^zhenjiang"),
    ("湘潭", "^xiangtan"),
    ("宜昌", "^yichang"),
    ("保定", "^baoding"),
    ("唐山", "^tangshan"),
    // countries and regions abroad
    ("美国", "^?united ?state america|usa|us"),
    ("日本", "^japan"),
    ("韩国", "^korea"),
    ("朝鲜", "^?north korea|dprk"),
    ("俄罗斯", "^russia|russian"),
    ("英国", "^uk|britain|british"),
    ("德国", "^germany|german"),
    ("法国", "^france|french"),
    ("加拿大", "^canada"),
    ("澳大利亚", "^australia"),
    ("新加坡", "^singapore"),
    ("伊朗", "^iran"),
    ("以色列", "^israel"),
    ("印度", "^india"),
    ("欧洲", "^europe"),
    ("亚洲", "^asia"),
    ("巴基斯坦", "^pakistan"),
    ("马来西亚", "^malaysia"),
    ("泰国", "^thailand"),
    ("越南", "^vietnam"),
    ("土耳其", "^turkey|turkiye"),
    ("荷兰", "^netherland"),
    ("比利时", "^belgium"),
    ("瑞士", "^switzerland"),
    ("意大利", "^italy"),
    ("西班牙", "^spain"),
    ("巴西", "^brazil|brasil"),
    ("墨西哥", "^mexico"),
    ("乌克兰", "^ukraine"),
    ("白俄罗斯", "^belarus"),
    ("叙利亚", "^syria"),
    ("伊拉克", "^iraq"),
    ("黎巴嫩", "^lebanon"),
    ("阿联酋", "^uae|emirate"),
    // well-known brand names whose English form is not their pinyin
    ("海康威视", "hikvision"),
    ("中兴", "zte"),
    ("大疆", "dji"),
    ("中芯国际", "smic"),
    ("科大讯飞", "iflytek"),
    ("讯飞", "iflytek"),
    ("商汤", "sensetime"),
    ("旷视", "megvii"),
    ("浪潮", "inspur"),
    ("曙光", "sugon|dawning"),
    ("海思", "hisilicon"),
    ("依图", "yitu"),
    ("云从", "cloudwalk"),
    ("美亚柏科", "meiya pico"),
    ("海能达", "hytera"),
    ("北航", "beihang"),
    ("中航", "avic"),
    ("中电科", "cetc"),
    ("中船", "cssc"),
    ("中核", "cnnc"),
    ("中广核", "cgn"),
    ("航天科工", "casic"),
    ("中国商飞", "comac"),
];

/// Latin keys of place names (the English side of the dictionary's places).
pub fn place_keys() -> &'static std::collections::HashSet<&'static str> {
    static P: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    P.get_or_init(|| {
        dict()
            .words
            .values()
            .filter(|w| w.place)
            .flat_map(|w| {
                w.tokens
                    .iter()
                    .filter(|(_, opt)| !opt)
                    .flat_map(|(alts, _)| alts.iter().copied())
            })
            .collect()
    })
}

/// Pinyin syllables of the Chinese numerals (used after `di` in pinyin-spelled ordinals).
pub fn pinyin_digit(s: &str) -> Option<char> {
    Some(match s {
        "ling" => '零',
        "yi" => '一',
        "er" => '二',
        "liang" => '两',
        "san" => '三',
        "si" => '四',
        "wu" => '五',
        "liu" => '六',
        "qi" => '七',
        "ba" => '八',
        "jiu" => '九',
        "shi" => '十',
        "bai" => '百',
        "qian" => '千',
        _ => return None,
    })
}

/// Dictionary words of two or more characters keyed by their toneless pinyin written
/// together (`jishu` → 技术, `youxiangongsi` → 有限公司): lets a pinyin-spelled name
/// ("Huawei Jishu Youxian Gongsi") meet the English entry. Words whose English already is
/// their pinyin (places, brands) are left out.
pub fn pinyin_words() -> &'static HashMap<String, &'static DictWord> {
    static P: OnceLock<HashMap<String, &'static DictWord>> = OnceLock::new();
    P.get_or_init(|| {
        let d = dict();
        let mut m = HashMap::new();
        for (zh, w) in &d.words {
            if zh.chars().count() < 2 {
                continue;
            }
            let py: Option<String> = zh.chars().map(pinyin_of).collect();
            let Some(py) = py else { continue };
            if w.tokens.iter().any(|(alts, _)| alts.iter().any(|a| *a == py)) {
                continue;
            }
            m.insert(py, w);
        }
        m
    })
}

/// Entry of the dictionary after parsing the notation.
#[derive(Debug, Clone)]
pub struct DictWord {
    /// English tokens: (alternatives, optional).
    pub tokens: Vec<(Vec<&'static str>, bool)>,
    /// The word is a place name (province, city, country).
    pub place: bool,
    /// Legal form family if this word is a legal form.
    pub legal: Option<&'static str>,
}

pub struct Dict {
    pub words: HashMap<&'static str, DictWord>,
    pub max_len: usize,
}

pub fn dict() -> &'static Dict {
    static D: OnceLock<Dict> = OnceLock::new();
    D.get_or_init(|| {
        let mut words = HashMap::with_capacity(DICT.len());
        let mut max_len = 1;
        for (zh, en) in DICT {
            max_len = max_len.max(zh.chars().count());
            let (en, place) = match en.strip_prefix('^') {
                Some(rest) => (rest, true),
                None => (*en, false),
            };
            let legal = en.strip_prefix('@');
            let tokens = if legal.is_some() {
                Vec::new()
            } else {
                en.split(' ')
                    .filter(|w| !w.is_empty())
                    .map(|w| {
                        let (w, opt) = match w.strip_prefix('?') {
                            Some(rest) => (rest, true),
                            None => (w, false),
                        };
                        (w.split('|').collect(), opt)
                    })
                    .collect()
            };
            words.insert(*zh, DictWord { tokens, place, legal });
        }
        Dict { words, max_len }
    })
}

/// Common single-character surnames. Two-character (compound) surnames are in `COMPOUND`.
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝朴习";
const COMPOUND: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯", "长孙", "宇文",
    "端木", "南宫", "独孤",
];

/// Surname readings that differ from the character's default reading, and common non-pinyin
/// romanisations (Cantonese, Wade–Giles, Korean) used as alternatives.
const SURNAME_READINGS: &[(&str, &str)] = &[
    ("单", "shan"),
    ("曾", "zeng|tsang"),
    ("解", "xie"),
    ("仇", "qiu"),
    ("查", "zha"),
    ("朴", "piao|park|pak"),
    ("覃", "qin"),
    ("缪", "miao"),
    ("陈", "chen|chan"),
    ("黄", "huang|wong"),
    ("王", "wang|wong"),
    ("张", "zhang|cheung|chang"),
    ("李", "li|lee|ri|yi"),
    ("刘", "liu|lau"),
    ("吴", "wu|ng"),
    ("郑", "zheng|cheng|jong|chong"),
    ("林", "lin|lam"),
    ("何", "he|ho"),
    ("梁", "liang|leung"),
    ("周", "zhou|chow|chau"),
    ("徐", "xu|hsu|tsui"),
    ("蔡", "cai|tsai|choi"),
    ("许", "xu|hui|hsu"),
    ("郭", "guo|kwok|kuo"),
    ("邓", "deng|tang"),
    ("谢", "xie|tse|hsieh"),
    ("杨", "yang|yeung"),
    ("赵", "zhao|chiu|chao"),
    ("金", "jin|kim"),
    ("崔", "cui|choi|choe"),
    ("姜", "jiang|kang"),
    ("蒋", "jiang|chiang"),
    ("孙", "sun|suen"),
    ("胡", "hu|wu"),
    ("高", "gao|ko|kao"),
    ("余", "yu"),
];

pub fn is_surname(c: char) -> bool {
    SURNAMES.contains(c)
}

pub fn compound_surname(s: &str) -> bool {
    COMPOUND.contains(&s)
}

pub fn surname_reading(s: &str) -> Option<&'static str> {
    SURNAME_READINGS.iter().find(|(k, _)| *k == s).map(|(_, v)| *v)
}

/// Value of a Chinese numeral string (零一二…九十百千 and 两), up to 9999.
pub fn chinese_number(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let digit = |c: char| -> Option<u32> {
        Some(match c {
            '零' | '〇' => 0,
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    let mut total = 0u32;
    let mut cur: Option<u32> = None;
    for c in s.chars() {
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => {
                cur = Some(cur.unwrap_or(0) * 10 + digit(c)?);
                if cur.unwrap_or(0) > 9999 {
                    return None;
                }
                continue;
            }
        };
        total += cur.take().unwrap_or(1) * unit;
    }
    Some(total + cur.unwrap_or(0))
}

pub fn is_numeral_char(c: char) -> bool {
    "零〇一二两三四五六七八九十百千".contains(c)
}

/// Is `w` (lower-case ASCII) a sequence of pinyin syllables (`chengxin`, `huawei`, `zhongguo`)?
/// Such a Latin word is a romanized Chinese name: compared with pinyin strictly, not by the
/// loose transliteration skeleton.
pub fn is_pinyin_word(w: &str) -> bool {
    static SYL: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    let syl = SYL.get_or_init(|| {
        (0x4E00u32..=0x9FFF)
            .filter_map(char::from_u32)
            .filter_map(pinyin_of)
            .filter(|p| p.is_ascii())
            .collect()
    });
    let b = w.as_bytes();
    if b.is_empty() || b.len() > 40 || !w.bytes().all(|c| c.is_ascii_lowercase()) {
        return false;
    }
    // ok[i]: prefix of length i splits into syllables
    let mut ok = [false; 41];
    ok[0] = true;
    for i in 1..=b.len() {
        for l in 1..=6.min(i) {
            if ok[i - l] && syl.contains(&w[i - l..i]) {
                ok[i] = true;
                break;
            }
        }
    }
    ok[b.len()]
}

/// Plain (toneless) pinyin of one Han character, if known.
pub fn pinyin_of(c: char) -> Option<&'static str> {
    use pinyin::ToPinyin;
    c.to_pinyin().map(|p| p.plain())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_consistent() {
        assert_eq!(T2S_TRAD.chars().count(), T2S_SIMP.chars().count());
        assert_eq!(t2s('華'), '华');
        assert_eq!(t2s('华'), '华');
        assert_eq!(chinese_number("十四"), Some(14));
        assert_eq!(chinese_number("二十"), Some(20));
        assert_eq!(chinese_number("一百零三"), Some(103));
        assert_eq!(pinyin_of('华'), Some("hua"));
        assert!(is_pinyin_word("chengxin") && is_pinyin_word("zhongguo") && is_pinyin_word("huawei"));
        assert!(!is_pinyin_word("thomas") && !is_pinyin_word("jones") && !is_pinyin_word("martin"));
        assert!(dict().words.contains_key("技术"));
        let mut seen = std::collections::HashSet::new();
        for (zh, _) in DICT {
            assert!(seen.insert(*zh), "duplicate dictionary word {zh}");
        }
    }
}
